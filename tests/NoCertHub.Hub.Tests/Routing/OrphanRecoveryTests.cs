using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Sla;
using NoCertHub.Hub.Tests.Requests;
using NoCertHub.V1;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Hub.Tests.Routing;

/// <summary>A hub that dies takes its routing queues with it; the others must pick up every unanswered request, once.</summary>
public abstract class OrphanRecoveryTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    private static readonly CatalogSnapshot Catalog = new([new CatalogItem
    {
        Code = "JJ-MZ-001",
        Name = "marital status",
        LegalBasis = "basis",
        ReplacementMethod = ReplacementMethod.InterDepartmentCheck,
        OwningDepartment = "jj-civil-affairs",
        SlaClass = SlaClass.Immediate,
        Fields = new HashSet<string> { "name", "marital_status" },
        DisclosableFields = new HashSet<string> { "marital_status" },
    }]);

    private readonly RedisKeys _keys = new("t" + Guid.NewGuid().ToString("N")[..8], 16);

    [Fact]
    public async Task DeadHub_ItsUnansweredRequests_AreAdoptedOnceAndRoutedAgain()
    {
        var dead = Hub("hub-dead");
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await AcceptAsync(dead, "w" + i, overdue: i == 0));
        }

        await dead.Requests.CompleteAsync("dept/w1", Answer(ids[1]), null, CancellationToken.None);
        // The dead hub had registered (with a lease that ran out): only its registry entry is left.
        await fixture.Redis.GetDatabase().SetAddAsync(_keys.Hubs, dead.Incarnation.Id);
        // The overdue one was escalated before the hub died: escalated but unanswered, still owed an answer.
        await dead.Sweeper.SweepAsync("test", CancellationToken.None);

        var first = Hub("hub-b");
        var second = Hub("hub-c");
        var adopted = await Task.WhenAll(first.Recovery.RunOnceAsync(CancellationToken.None), second.Recovery.RunOnceAsync(CancellationToken.None));
        var again = await first.Recovery.RunOnceAsync(CancellationToken.None);

        Assert.Equal(5, adopted.Sum());
        Assert.Equal(0, again);
        Assert.Equal(5, first.Dispatcher.QueuedCount("jj-civil-affairs") + second.Dispatcher.QueuedCount("jj-civil-affairs"));
        Assert.False(await fixture.Redis.GetDatabase().SetContainsAsync(_keys.Hubs, dead.Incarnation.Id));
        var agent = new AgentSession("ca-1", "jj-civil-affairs", ["JJ-MZ-001"], 10);
        first.Dispatcher.Register(agent);
        var tasks = new List<VerificationTask>();
        while (agent.Outbound.Reader.TryRead(out var message))
        {
            tasks.Add(message.Task);
        }

        Assert.Equal(first.Dispatcher.QueuedCount("jj-civil-affairs") + tasks.Count, adopted[0]);
        Assert.All(tasks, t => Assert.Equal(["marital_status"], t.DisclosableFields));
        Assert.All(tasks, t => Assert.Equal("officer-from-certificate", t.Requester.Officer));
        Assert.DoesNotContain(ids[1], tasks.Select(t => t.RequestId));
    }

    [Fact]
    public async Task LiveHub_KeepsItsRequests()
    {
        var live = Hub("hub-live");
        await live.Recovery.RunOnceAsync(CancellationToken.None);
        await AcceptAsync(live, "w-live", overdue: false);

        var other = Hub("hub-other");
        var adopted = await other.Recovery.RunOnceAsync(CancellationToken.None);

        Assert.Equal(0, adopted);
        Assert.True(await fixture.Redis.GetDatabase().SetContainsAsync(_keys.Hubs, live.Incarnation.Id));
    }

    [Fact]
    public async Task RequestAtAHubWithoutTheAgent_IsHandedToTheHubWhoseAgentAnswersIt_AndOwnedThere()
    {
        var windows = Hub("hub-windows");
        var agents = Hub("hub-agents");
        await windows.Recovery.RunOnceAsync(CancellationToken.None);
        await agents.Recovery.RunOnceAsync(CancellationToken.None);
        var agent = new AgentSession("ca-far", "jj-civil-affairs", ["JJ-MZ-001"], 10);
        agents.Dispatcher.Register(agent);
        await agents.Handover.RunOnceAsync(fullRound: true, CancellationToken.None);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await RouteAsync(windows, "w-far-" + i));
        }

        await windows.Handover.RunOnceAsync(fullRound: true, CancellationToken.None);
        await agents.Handover.RunOnceAsync(fullRound: true, CancellationToken.None);

        Assert.Equal(0, windows.Dispatcher.QueuedCount("jj-civil-affairs"));
        Assert.Equal(ids, Received(agent).Select(t => t.RequestId));
        // Owned by the receiving hub now: if it dies, its requests are adopted from it, not from the window's hub.
        Assert.All(await windows.Requests.FindUnansweredOfAsync(new HashSet<string> { agents.Incarnation.Id }, CancellationToken.None), r => Assert.Contains(r.RequestId, ids));
        Assert.Equal(3, (await windows.Requests.FindUnansweredOfAsync(new HashSet<string> { agents.Incarnation.Id }, CancellationToken.None)).Count);
        Assert.Equal(3, windows.Handover.HandedOver);
    }

    [Fact]
    public async Task HubDyingWithRequestsInItsInbox_OneLiveHubClaimsThemAndRoutesEachOnce()
    {
        var windows = Hub("hub-w");
        var doomed = Hub("hub-doomed");
        await windows.Recovery.RunOnceAsync(CancellationToken.None);
        await doomed.Recovery.RunOnceAsync(CancellationToken.None);
        doomed.Dispatcher.Register(new AgentSession("ca-doomed", "jj-civil-affairs", ["JJ-MZ-001"], 10));
        await doomed.Handover.RunOnceAsync(fullRound: true, CancellationToken.None);
        var ids = new List<string> { await RouteAsync(windows, "w-d1"), await RouteAsync(windows, "w-d2") };
        await windows.Handover.RunOnceAsync(fullRound: true, CancellationToken.None);
        // Handed over, never taken: the receiving hub dies with both in its inbox.
        await fixture.Redis.GetDatabase().KeyDeleteAsync(_keys.HubLease(doomed.Incarnation.Id));

        var first = Hub("hub-heir-1");
        var second = Hub("hub-heir-2");
        var adopted = await Task.WhenAll(first.Recovery.RunOnceAsync(CancellationToken.None), second.Recovery.RunOnceAsync(CancellationToken.None));

        Assert.Equal(2, adopted.Sum());
        Assert.Equal(2, first.Dispatcher.QueuedCount("jj-civil-affairs") + second.Dispatcher.QueuedCount("jj-civil-affairs"));
        Assert.Equal(0, await fixture.Redis.GetDatabase().ListLengthAsync(_keys.HubInbox(doomed.Incarnation.Id)));
        // A late hand-over to the dead hub is refused: the request stays where it is.
        await RouteAsync(windows, "w-d3");
        await windows.Handover.RunOnceAsync(fullRound: false, CancellationToken.None);
        Assert.Equal(1, windows.Dispatcher.QueuedCount("jj-civil-affairs"));
        Assert.Equal(0, await fixture.Redis.GetDatabase().ListLengthAsync(_keys.HubInbox(doomed.Incarnation.Id)));
    }

    [Fact]
    public async Task RequestForAnItemNoHubsAgentAnswers_StaysQueuedWhereItWasAsked()
    {
        var windows = Hub("hub-alone");
        var other = Hub("hub-other-items");
        await windows.Recovery.RunOnceAsync(CancellationToken.None);
        await other.Recovery.RunOnceAsync(CancellationToken.None);
        other.Dispatcher.Register(new AgentSession("ps-1", "jj-public-security", ["JJ-GA-001"], 10));
        await other.Handover.RunOnceAsync(fullRound: true, CancellationToken.None);

        await RouteAsync(windows, "w-alone");
        await windows.Handover.RunOnceAsync(fullRound: true, CancellationToken.None);

        Assert.Equal(1, windows.Dispatcher.QueuedCount("jj-civil-affairs"));
        Assert.Equal(0, windows.Handover.HandedOver);
    }

    /// <summary>Accepts a request at <paramref name="hub"/> and puts it in its routing queues, as a window's call does.</summary>
    private static async Task<string> RouteAsync(Parts hub, string window)
    {
        var accepted = TestRequests.Accepted(hub.Keys, window, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(30), "case-" + window, officer: "officer-from-certificate");
        await hub.Requests.AcceptAsync(accepted, null, CancellationToken.None);
        hub.Dispatcher.Enqueue(RoutedTask.For(accepted.Request, accepted.Receipt, "officer-from-certificate", ["marital_status"]));
        return accepted.RequestId;
    }

    private static List<VerificationTask> Received(AgentSession agent)
    {
        var tasks = new List<VerificationTask>();
        while (agent.Outbound.Reader.TryRead(out var message))
        {
            tasks.Add(message.Task);
        }

        return tasks;
    }

    private static async Task<string> AcceptAsync(Parts hub, string window, bool overdue)
    {
        var acceptedAt = DateTimeOffset.UtcNow - (overdue ? TimeSpan.FromHours(1) : TimeSpan.Zero);
        var accepted = TestRequests.Accepted(hub.Keys, window, acceptedAt, acceptedAt.AddMinutes(30), "case-" + window, officer: "officer-from-certificate");
        await hub.Requests.AcceptAsync(accepted, null, CancellationToken.None);
        return accepted.RequestId;
    }

    private static VerificationResult Answer(string id) => new()
    {
        RequestId = id,
        ItemCode = "JJ-MZ-001",
        CaseNumber = "case-w1",
        Verdict = Verdict.Match,
        AnsweredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };

    private Parts Hub(string instance)
    {
        var hubOptions = Options.Create(new HubOptions { InstanceId = instance, LeaseTtl = TimeSpan.FromSeconds(30) });
        var sla = Options.Create(new SlaOptions { ReminderAt = 0 });
        var incarnation = new HubIncarnation(hubOptions);
        var requests = fixture.RequestStore(_keys, sla, incarnation);
        var dispatcher = new Dispatcher(requests, TimeProvider.System);
        var handover = new HubHandover(fixture.Redis, _keys, requests, dispatcher, Catalog, incarnation, TimeProvider.System, hubOptions, NullLogger<HubHandover>.Instance);
        var recovery = new OrphanRecovery(fixture.Redis, _keys, requests, dispatcher, Catalog, handover, incarnation, TimeProvider.System, hubOptions, NullLogger<OrphanRecovery>.Instance);
        var slaStore = new RedisSlaStore(fixture.Redis, _keys, sla, fixture.Durability);
        var relay = new ReminderRelay(fixture.Redis, _keys, dispatcher, NullLogger<ReminderRelay>.Instance);
        var sweeper = new OverdueSweeper(slaStore, _keys, relay, new SlaMetrics(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry())), TimeProvider.System, sla, hubOptions, NullLogger<OverdueSweeper>.Instance);
        return new Parts(_keys, incarnation, requests, dispatcher, recovery, sweeper, handover);
    }

    private sealed record Parts(RedisKeys Keys, HubIncarnation Incarnation, RedisRequestStore Requests, Dispatcher Dispatcher, OrphanRecovery Recovery, OverdueSweeper Sweeper, HubHandover Handover);
}

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class OrphanRecoveryOnGarnetTests(GarnetFixture fixture) : OrphanRecoveryTests<GarnetFixture>(fixture);

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class OrphanRecoveryOnRedisServerTests(RedisServerFixture fixture) : OrphanRecoveryTests<RedisServerFixture>(fixture);
