using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Catalog;

internal static class CatalogServiceCollectionExtensions
{
    public static IServiceCollection AddCatalog(this IServiceCollection services)
    {
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ICatalog>(sp =>
        {
            var path = sp.GetRequiredService<IOptions<CatalogOptions>>().Value.Path;
            return FileCatalog.Load(Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path));
        });
        return services;
    }
}
