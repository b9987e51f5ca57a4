using Microsoft.Extensions.Options;
using NoCertHub.Hub.Storage;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;

namespace NoCertHub.Hub.Catalog;

internal static class CatalogServiceCollectionExtensions
{
    public static IServiceCollection AddCatalog(this IServiceCollection services)
    {
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section)
            .Validate(o => o.RefreshInterval >= TimeSpan.FromSeconds(1), "Catalog:RefreshInterval must be at least one second")
            .ValidateOnStart();
        services.AddSingleton<CatalogSnapshot>();
        services.AddSingleton<ICatalog>(sp => sp.GetRequiredService<CatalogSnapshot>());
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CatalogOptions>>().Value;
            ICatalogSqlDialect dialect = options.Provider switch
            {
                CatalogProvider.SqlServer => new SqlServerCatalogDialect(),
                _ => new SqliteCatalogDialect(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Durability),
            };
            return new SqlCatalogStore(dialect, options.ConnectionString);
        });
        services.AddSingleton<CatalogLoader>();
        services.AddSingleton<IDepartmentRegistry, KnownDepartments>();
        services.AddSingleton<CatalogWorkflow>();
        services.AddSingleton<CommitmentRegistry>();
        services.AddSingleton<CatalogLedgers>();
        services.AddHostedService(sp => sp.GetRequiredService<CatalogLoader>());

        services.AddRecurringJob<CatalogRefreshJob>("catalog-refresh", sp => sp.GetRequiredService<IOptions<CatalogOptions>>().Value.RefreshInterval);
        return services;
    }
}
