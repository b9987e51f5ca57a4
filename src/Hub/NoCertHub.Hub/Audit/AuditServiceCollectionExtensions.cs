using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Audit;

internal static class AuditServiceCollectionExtensions
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "Audit:ConnectionString is required")
            .Validate(o => o.MaxBatch >= 1 && o.QueueCapacity >= o.MaxBatch, "Audit:MaxBatch must be at least 1 and at most Audit:QueueCapacity")
            .ValidateOnStart();
        services.AddSingleton<IAuditStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AuditOptions>>().Value;
            IAuditSqlDialect dialect = options.Provider switch
            {
                AuditProvider.SqlServer => new SqlServerAuditDialect(),
                _ => new SqliteAuditDialect(),
            };
            return new SqlAuditStore(dialect, options.ConnectionString);
        });
        services.AddSingleton<AuditWriter>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        return services;
    }
}
