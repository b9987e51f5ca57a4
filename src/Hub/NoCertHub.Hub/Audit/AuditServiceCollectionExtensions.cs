using Microsoft.Extensions.Options;
using NoCertHub.Hub.Storage;
using NoCertHub.Hub.Core;

namespace NoCertHub.Hub.Audit;

internal static class AuditServiceCollectionExtensions
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "Audit:ConnectionString is required")
            .Validate(o => o.MaxBatch >= 1 && o.QueueCapacity >= o.MaxBatch, "Audit:MaxBatch must be at least 1 and at most Audit:QueueCapacity")
            .Validate(o => o.CheckpointInterval > TimeSpan.Zero, "Audit:CheckpointInterval must be positive")
            .Validate(o => o.Retention >= TimeSpan.Zero, "Audit:Retention must not be negative (0 keeps everything in the database)")
            .Validate(o => o.Misuse.Interval > TimeSpan.Zero && o.Misuse.Window > TimeSpan.Zero && o.Misuse.BaselineDays >= 1, "Audit:Misuse:Interval, Window must be positive and BaselineDays at least 1")
            .ValidateOnStart();
        services.AddSingleton<AuditMetrics>();
        services.AddSingleton<AuditKeys>();
        services.AddSingleton(sp => new AuditChain(sp.GetRequiredService<AuditKeys>().SubjectKey));
        services.AddSingleton<AuditCheckpoints>();
        services.AddSingleton<MisuseDetector>();
        services.AddSingleton<AuditArchive>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AuditOptions>>().Value;
            IAuditSqlDialect dialect = options.Provider switch
            {
                AuditProvider.SqlServer => new SqlServerAuditDialect(),
                _ => new SqliteAuditDialect(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Durability),
            };
            return new AuditDatabase(dialect, options.ConnectionString);
        });
        services.AddSingleton<AuditChainStore>();
        services.AddSingleton<AuditSearchIndex>();
        services.AddSingleton<MisuseFindingStore>();
        services.AddSingleton<AuditWriter>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHostedService<AuditIndexer>();

        services.AddRecurringJob<CheckpointJob>("audit-checkpoint", sp => Options(sp).CheckpointInterval);
        services.AddRecurringJob<MisuseDetectionJob>("audit-misuse", sp => Options(sp).Misuse.Interval);
        services.AddRecurringJob<ArchiveJob>("audit-archive", _ => TimeSpan.FromHours(1));
        return services;
    }

    private static AuditOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<AuditOptions>>().Value;
}
