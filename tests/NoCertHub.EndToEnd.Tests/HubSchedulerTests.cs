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
        Assert.Equal(SchedulerStatus.Running, scheduler.Status);
        var jobs = (await scheduler.GetJobKeys(GroupMatcher<JobKey>.AnyGroup())).Select(k => k.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["audit-archive", "audit-checkpoint", "audit-misuse", "catalog-refresh", "sla-safety-net"], jobs);
    }
}
