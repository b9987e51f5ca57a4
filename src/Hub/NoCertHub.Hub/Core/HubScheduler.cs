using Quartz;

namespace NoCertHub.Hub.Core;

/// <summary>
/// One Quartz scheduler per hub for every feature's recurring jobs (the SLA safety net, the catalog
/// refresh, the audit checkpoint, misuse detection and archive). Features declare their jobs with
/// <see cref="AddRecurringJob{TJob}"/>; the composition root creates the scheduler once, after every
/// feature is registered, with <see cref="AddHubScheduler"/>.
/// </summary>
internal static class HubScheduler
{
    /// <summary>
    /// A job run every <paramref name="interval"/> (read from the hub's settings when the scheduler
    /// starts), first one interval after start, on the hub's <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string name, Func<IServiceProvider, TimeSpan> interval)
        where TJob : IJob
    {
        services.AddSingleton(new RecurringJob(q => q.ScheduleJob<TJob>(
            (sp, trigger) =>
            {
                var every = interval(sp);
                trigger.WithIdentity(name)
                    .StartAt(sp.GetRequiredService<TimeProvider>().GetUtcNow() + every)
                    .WithSimpleSchedule(s => s.WithInterval(every).RepeatForever());
            },
            (_, job) => job.WithIdentity(name))));
        return services;
    }

    /// <summary>The scheduler with every job declared so far. Call once, after every feature's AddXxx.</summary>
    public static IServiceCollection AddHubScheduler(this IServiceCollection services)
    {
        var jobs = services.Where(d => !d.IsKeyedService).Select(d => d.ImplementationInstance).OfType<RecurringJob>().ToList();
        // Quartz keeps schedulers in a process-wide repository by name; tests run several hubs in one process.
        var name = "nocert-" + Guid.NewGuid().ToString("N");
        services.AddSingleton(new HubSchedulerName(name));
        services.AddQuartz(name, q =>
        {
            foreach (var job in jobs)
            {
                job.Schedule(q);
            }
        });
        services.AddQuartzHostedService(name, o => o.WaitForJobsToComplete = true);
        return services;
    }
}

/// <summary>A feature's recurring job, as it asks to be scheduled.</summary>
internal sealed record RecurringJob(Action<IQuartzBuilder> Schedule);

/// <summary>The name of this hub's Quartz scheduler, unique in the process.</summary>
internal sealed record HubSchedulerName(string Value);
