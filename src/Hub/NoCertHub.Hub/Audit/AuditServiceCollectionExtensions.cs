using Microsoft.Extensions.Options;
using NoCertHub.Hub.Storage;
using Quartz;

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
        services.AddSingleton<IAuditStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AuditOptions>>().Value;
            IAuditSqlDialect dialect = options.Provider switch
            {
                AuditProvider.SqlServer => new SqlServerAuditDialect(),
                _ => new SqliteAuditDialect(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Durability),
            };
            return new SqlAuditStore(dialect, options.ConnectionString, sp.GetRequiredService<AuditChain>());
        });
        services.AddSingleton<AuditWriter>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHostedService<AuditIndexer>();

        var schedulerName = "nocert-audit-" + Guid.NewGuid().ToString("N");
        services.AddQuartz(schedulerName, q =>
        {
            q.ScheduleJob<CheckpointJob>(
                (sp, trigger) => Every(trigger, "audit-checkpoint", sp, o => o.CheckpointInterval),
                (_, job) => job.WithIdentity("audit-checkpoint"));
            q.ScheduleJob<MisuseDetectionJob>(
                (sp, trigger) => Every(trigger, "audit-misuse", sp, o => o.Misuse.Interval),
                (_, job) => job.WithIdentity("audit-misuse"));
            q.ScheduleJob<ArchiveJob>(
                (sp, trigger) => Every(trigger, "audit-archive", sp, _ => TimeSpan.FromHours(1)),
                (_, job) => job.WithIdentity("audit-archive"));
        });
        services.AddQuartzHostedService(schedulerName, o => o.WaitForJobsToComplete = true);
        return services;
    }

    private static void Every<T>(ITriggerConfigurator<T> trigger, string name, IServiceProvider services, Func<AuditOptions, TimeSpan> interval)
        where T : IJob
    {
        var every = interval(services.GetRequiredService<IOptions<AuditOptions>>().Value);
        trigger.WithIdentity(name)
            .StartAt(services.GetRequiredService<TimeProvider>().GetUtcNow() + every)
            .WithSimpleSchedule(s => s.WithInterval(every).RepeatForever());
    }
}
