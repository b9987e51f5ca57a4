extern alias hub;

using hub::NoCertHub.Hub.Core;
using Quartz;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>A hub runs one Quartz scheduler, and every feature's recurring job is on it.</summary>
public sealed class HubSchedulerTests(GarnetHubFixture hub) : IClassFixture<GarnetHubFixture>
{
    [Fact]
    public async Task TheHubsScheduler_RunsEveryFeaturesRecurringJob()
    {
        var name = hub.Services.GetRequiredService<HubSchedulerName>().Value;
        var scheduler = await hub.Services.GetRequiredKeyedService<ISchedulerFactory>(name).GetScheduler(CancellationToken.None);

        Assert.Equal(name, scheduler.SchedulerName);
        // Quartz's hosted service starts the scheduler once the host has started, not before StartAsync returns.
        Assert.Equal(SchedulerStatus.Running, await Poll.UntilAsync(() => Task.FromResult(scheduler.Status), s => s == SchedulerStatus.Running));
        var jobs = (await scheduler.GetJobKeys(GroupMatcher<JobKey>.AnyGroup())).Select(k => k.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["audit-archive", "audit-checkpoint", "audit-misuse", "catalog-refresh", "monthly-report", "sla-safety-net"], jobs);
    }
}
