using Microsoft.Extensions.Options;
using NoCertHub.Hub.Storage;
using Quartz;

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
        services.AddHostedService(sp => sp.GetRequiredService<CatalogLoader>());

        var schedulerName = "nocert-catalog-" + Guid.NewGuid().ToString("N");
        services.AddQuartz(schedulerName, q => q.ScheduleJob<CatalogRefreshJob>(
            (sp, trigger) =>
            {
                var every = sp.GetRequiredService<IOptions<CatalogOptions>>().Value.RefreshInterval;
                trigger.WithIdentity("catalog-refresh")
                    .StartAt(sp.GetRequiredService<TimeProvider>().GetUtcNow() + every)
                    .WithSimpleSchedule(s => s.WithInterval(every).RepeatForever());
            },
            (_, job) => job.WithIdentity("catalog-refresh")));
        services.AddQuartzHostedService(schedulerName, o => o.WaitForJobsToComplete = true);
        return services;
    }
}
