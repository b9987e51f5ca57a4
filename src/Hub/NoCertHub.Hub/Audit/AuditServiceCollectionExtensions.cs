using Microsoft.Extensions.Options;
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
            .ValidateOnStart();
        services.AddSingleton<AuditKeys>();
        services.AddSingleton(sp => new AuditChain(sp.GetRequiredService<AuditKeys>().SubjectKey));
        services.AddSingleton<AuditCheckpoints>();
        services.AddSingleton<IAuditStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AuditOptions>>().Value;
            IAuditSqlDialect dialect = options.Provider switch
            {
                AuditProvider.SqlServer => new SqlServerAuditDialect(),
                _ => new SqliteAuditDialect(),
            };
            return new SqlAuditStore(dialect, options.ConnectionString, sp.GetRequiredService<AuditChain>());
        });
        services.AddSingleton<AuditWriter>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());

        var schedulerName = "nocert-audit-" + Guid.NewGuid().ToString("N");
        services.AddQuartz(schedulerName, q => q.ScheduleJob<CheckpointJob>(
            (sp, trigger) =>
            {
                var interval = sp.GetRequiredService<IOptions<AuditOptions>>().Value.CheckpointInterval;
                trigger.WithIdentity("audit-checkpoint")
                    .StartAt(sp.GetRequiredService<TimeProvider>().GetUtcNow() + interval)
                    .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever());
            },
            (_, job) => job.WithIdentity("audit-checkpoint")));
        services.AddQuartzHostedService(schedulerName, o => o.WaitForJobsToComplete = true);
        return services;
    }
}
