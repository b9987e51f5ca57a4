using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Sla;
using NoCertHub.Hub.Tests.Requests;
using NoCertHub.V1;
using Prometheus;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Hub.Tests.Sla;

/// <summary>
/// Article 11 timers on a real Redis: requests are accepted at instants a fake clock chooses, and
/// escalated by the Redis server's clock, as in production.
/// </summary>
public abstract class SlaStoreTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    private static readonly TimeSpan HalfHour = TimeSpan.FromMinutes(30);

    private readonly RedisKeys _keys = new("t" + Guid.NewGuid().ToString("N")[..8], 16);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Sweep_RequestPastItsDeadline_IsEscalatedOnceWithTheDepartmentAtFault()
    {
        var hub = Hub("hub-a");
        var accepted = await AcceptAsync(hub, "win-1", "case-1", acceptedAgo: TimeSpan.FromMinutes(31));

        var first = await hub.Sweeper.SweepAsync("test", CancellationToken.None);
        var second = await hub.Sweeper.SweepAsync("test", CancellationToken.None);

        Assert.Equal(1, first.Escalated);
        Assert.Equal(0, second.Escalated);
        var escalation = Assert.Single(await hub.Sla.ListEscalationsAsync(false, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal(accepted.RequestId, escalation.RequestId);
        Assert.Equal("jj-civil-affairs", escalation.DepartmentAtFault);
        Assert.Equal("dept", escalation.RequesterDepartment);
        Assert.Equal("case-1", escalation.CaseNumber);
        Assert.Equal(EscalationState.Open, escalation.State);
        Assert.InRange(escalation.OverdueBy.ToTimeSpan(), TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(5));
        Assert.True(escalation.EscalatedAt.ToDateTimeOffset() >= escalation.Deadline.ToDateTimeOffset());
    }

    [Fact]
    public async Task Sweep_RequestNotYetDue_StaysPendingAndReportsItsDeadlineAsNextDue()
    {
        var hub = Hub("hub-a", reminderAt: 0);
        var accepted = await AcceptAsync(hub, "win-2", "case-2", acceptedAgo: TimeSpan.FromMinutes(29));

        var outcome = await hub.Sweeper.SweepAsync("test", CancellationToken.None);

        Assert.Equal(0, outcome.Escalated);
        Assert.Equal(accepted.Receipt.Deadline.ToDateTimeOffset().ToUnixTimeMilliseconds(), outcome.NextDue?.ToUnixTimeMilliseconds());
        Assert.Empty(await hub.Sla.ListEscalationsAsync(false, DateTimeOffset.UtcNow, CancellationToken.None));
    }

    [Fact]
    public async Task Sweep_ReminderDueBeforeTheDeadline_ReachesTheDepartmentsAgentsOnce()
    {
        var hub = Hub("hub-a");
        await hub.Relay.StartAsync(CancellationToken.None);
        var civil = Agent(hub, "jj-civil-affairs");
        var other = Agent(hub, "jj-hrss");
        // 25 of 30 minutes gone: past the 80 % reminder (24 min), not yet due.
        var accepted = await AcceptAsync(hub, "win-3", "case-3", acceptedAgo: TimeSpan.FromMinutes(25));

        var first = await hub.Sweeper.SweepAsync("test", CancellationToken.None);
        var second = await hub.Sweeper.SweepAsync("test", CancellationToken.None);

        Assert.Equal((1, 0), (first.Reminded, first.Escalated));
        Assert.Equal(0, second.Reminded);
        var message = await civil.Outbound.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(accepted.RequestId, message.Reminder.RequestId);
        Assert.Equal(accepted.Receipt.Deadline, message.Reminder.Deadline);
        Assert.False(other.Outbound.Reader.TryRead(out _));
        await hub.Relay.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Sweep_ReminderAndDeadlineBothPassed_EscalatesWithoutAStaleReminder()
    {
        // E.g. every hub was down through both: a reminder now would be pointless.
        var hub = Hub("hub-a");
        await AcceptAsync(hub, "win-3b", "case-3b", acceptedAgo: TimeSpan.FromMinutes(45));

        var outcome = await hub.Sweeper.SweepAsync("test", CancellationToken.None);

        Assert.Equal((1, 0), (outcome.Escalated, outcome.Reminded));
    }

    [Fact]
    public async Task Sweep_AfterTheReminder_TheRequestWaitsForItsDeadline_EvenIfItsTimerFiresEarly()
    {
        var hub = Hub("hub-a");
        var accepted = await AcceptAsync(hub, "win-3c", "case-3c", acceptedAgo: TimeSpan.FromMinutes(25));
        var deadlineMs = accepted.Receipt.Deadline.ToDateTimeOffset().ToUnixTimeMilliseconds();

        var reminded = await hub.Sweeper.SweepAsync("test", CancellationToken.None);
        // A timer that fires before the deadline (a clock step, an operator's edit) must not escalate.
        await fixture.Redis.GetDatabase().SortedSetAddAsync(_keys.Timers(_keys.ShardOfWindow("dept", "win-3c")), accepted.RequestId, 1);
        var early = await hub.Sweeper.SweepAsync("test", CancellationToken.None);

        Assert.Equal((0, 1), (reminded.Escalated, reminded.Reminded));
        Assert.Equal(deadlineMs, reminded.NextDue?.ToUnixTimeMilliseconds());
        Assert.Equal((0, 0), (early.Escalated, early.Reminded));
        Assert.Equal(deadlineMs, (long)(await fixture.Redis.GetDatabase().SortedSetScoreAsync(_keys.Timers(_keys.ShardOfWindow("dept", "win-3c")), accepted.RequestId))!.Value);
    }

    [Fact]
    public async Task Complete_InTime_TakesTheRequestOffTheDeadlineAndReminderSets()
    {
        var hub = Hub("hub-a");
        var accepted = await AcceptAsync(hub, "win-4", "case-4", acceptedAgo: TimeSpan.FromMinutes(20));
        await hub.Requests.CompleteAsync(accepted.WindowId, Answer(accepted, _clock.GetUtcNow().AddMinutes(-15)), null, CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(1));

        var outcome = await hub.Sweeper.SweepAsync("test", CancellationToken.None);

        Assert.Equal((0, 0), (outcome.Escalated, outcome.Reminded));
        Assert.Null(outcome.NextDue);
    }

    [Fact]
    public async Task Complete_AfterEscalation_RecordsTheLateAnswerOnTheEscalation_WhichStaysOpen()
    {
        var hub = Hub("hub-a");
        var accepted = await AcceptAsync(hub, "win-5", "case-5", acceptedAgo: TimeSpan.FromMinutes(40));
        await hub.Sweeper.SweepAsync("test", CancellationToken.None);
        var answeredAt = _clock.GetUtcNow();

        var completion = await hub.Requests.CompleteAsync(accepted.WindowId, Answer(accepted, answeredAt), null, CancellationToken.None);

        Assert.Equal(CompletionKind.Completed, completion.Kind);
        var escalation = Assert.Single(await hub.Sla.ListEscalationsAsync(false, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal(EscalationState.Open, escalation.State);
        Assert.Equal(answeredAt.ToUnixTimeMilliseconds(), escalation.AnsweredAt.ToDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(TimeSpan.FromMinutes(10).TotalMilliseconds, escalation.OverdueBy.ToTimeSpan().TotalMilliseconds, tolerance: 1);
    }

    [Fact]
    public async Task CloseEscalation_RecordsTheFinding_AndOnlyOnce()
    {
        var hub = Hub("hub-a");
        var accepted = await AcceptAsync(hub, "win-6", "case-6", acceptedAgo: TimeSpan.FromHours(2));
        await hub.Sweeper.SweepAsync("test", CancellationToken.None);

        var closed = await hub.Sla.CloseEscalationAsync(accepted.RequestId, "database outage at the bureau", "officer-7", CancellationToken.None);
        var again = await hub.Sla.CloseEscalationAsync(accepted.RequestId, "another finding", "officer-8", CancellationToken.None);
        var unknown = await hub.Sla.CloseEscalationAsync(RedisKeys.NewRequestId(0), "x", "officer-7", CancellationToken.None);

        Assert.Equal((CloseOutcome.Closed, CloseOutcome.AlreadyClosed, CloseOutcome.Unknown), (closed, again, unknown));
        Assert.Empty(await hub.Sla.ListEscalationsAsync(false, DateTimeOffset.UtcNow, CancellationToken.None));
        var record = Assert.Single(await hub.Sla.ListEscalationsAsync(true, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal((EscalationState.Closed, "database outage at the bureau", "officer-7"), (record.State, record.Finding, record.ClosedBy));
    }

    [Fact]
    public async Task ThreeHubsRacing_EscalateEachOverdueRequestExactlyOnceBetweenThem()
    {
        var hubs = new[] { Hub("hub-1"), Hub("hub-2"), Hub("hub-3") };
        var ids = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            ids.Add((await AcceptAsync(hubs[i % 3], "win-race-" + (i % 7), "case-r" + i, acceptedAgo: TimeSpan.FromMinutes(31))).RequestId);
        }

        var rounds = await Task.WhenAll(Enumerable.Range(0, 9).Select(i => Task.Run(() => hubs[i % 3].Sweeper.SweepAsync("test", CancellationToken.None))));

        Assert.Equal(300, rounds.Sum(r => r.Escalated));
        var listed = await hubs[0].Sla.ListEscalationsAsync(false, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Select(e => e.RequestId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sweep_MoreDueThanOneBatch_ReportsMoreSoTheSweeperGoesRoundAgain()
    {
        var hub = Hub("hub-a", batch: 2);
        for (var i = 0; i < 5; i++)
        {
            await AcceptAsync(hub, "win-batch", "case-b" + i, acceptedAgo: TimeSpan.FromHours(1));
        }

        var first = await hub.Sweeper.SweepAsync("test", CancellationToken.None);
        var rest = 0;
        for (var i = 0; i < 5 && (await hub.Sweeper.SweepAsync("test", CancellationToken.None)) is { } next; i++)
        {
            rest += next.Escalated;
        }

        Assert.True(first.More);
        Assert.Equal(2, first.Escalated);
        Assert.Equal(3, rest);
    }

    [Fact]
    public async Task CaseChecks_FromSeveralWindows_GiveTheCasesClockStop()
    {
        var hub = Hub("hub-a");
        var a = await AcceptAsync(hub, "win-7", "case-77", acceptedAgo: TimeSpan.FromMinutes(60));
        var b = await AcceptAsync(hub, "win-8", "case-77", acceptedAgo: TimeSpan.FromMinutes(50));
        await AcceptAsync(hub, "win-7", "case-other", acceptedAgo: TimeSpan.FromMinutes(50));
        var t0 = _clock.GetUtcNow();
        await hub.Requests.CompleteAsync(a.WindowId, Answer(a, t0.AddMinutes(-40)), null, CancellationToken.None);
        await hub.Requests.CompleteAsync(b.WindowId, Answer(b, t0.AddMinutes(-30)), null, CancellationToken.None);

        var checks = await hub.Sla.CaseChecksAsync("dept", "case-77", CancellationToken.None);
        var (stopped, sum) = ClockStop.Measure(checks, t0);

        Assert.Equal([a.RequestId, b.RequestId], checks.OrderBy(c => c.AcceptedAt).Select(c => c.RequestId));
        Assert.Equal(TimeSpan.FromMinutes(30), stopped);
        Assert.Equal(TimeSpan.FromMinutes(40), sum);
    }

    [Fact]
    public async Task CaseChecks_CaseNumberReusedPastTheCaseStringsLimit_KeepsEveryCheckAndItsAnswer()
    {
        // A window that types the same case number for everything: the case string stops growing
        // at its limit and the rest go to the overflow hash; none is lost.
        var hub = Hub("hub-a");
        var accepted = new List<AcceptedRequest>();
        for (var i = 0; i < 1_600; i++)
        {
            accepted.Add(await AcceptAsync(hub, "win-11", "N/A", acceptedAgo: TimeSpan.FromMinutes(60)));
        }

        var t0 = _clock.GetUtcNow();
        var (first, last) = (accepted[0], accepted[^1]);
        await hub.Requests.CompleteAsync(first.WindowId, Answer(first, t0.AddMinutes(-50)), null, CancellationToken.None);
        await hub.Requests.CompleteAsync(last.WindowId, Answer(last, t0.AddMinutes(-20)), null, CancellationToken.None);

        var checks = await hub.Sla.CaseChecksAsync("dept", "N/A", CancellationToken.None);
        var shard = _keys.ShardOfWindow(TestRequests.RequestingDepartment, "win-11");
        var caseString = await fixture.Redis.GetDatabase().StringLengthAsync(_keys.Case(shard, "dept", "N/A"));

        Assert.Equal(accepted.Select(a => a.RequestId).Order(), checks.Select(c => c.RequestId).Order());
        Assert.InRange(caseString, CaseCheckEntry.CaseStringLimit, CaseCheckEntry.CaseStringLimit + 100);
        var answered = checks.Where(c => c.AnsweredAt is not null).ToDictionary(c => c.RequestId, c => c.AnsweredAt!.Value);
        Assert.Equal(2, answered.Count);
        Assert.Equal(t0.AddMinutes(-50).ToUnixTimeMilliseconds(), answered[first.RequestId].ToUnixTimeMilliseconds());
        Assert.Equal(t0.AddMinutes(-20).ToUnixTimeMilliseconds(), answered[last.RequestId].ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task PendingUntil_ListsTheSoonestDeadlinesOfOneDepartment()
    {
        var hub = Hub("hub-a");
        var soon = await AcceptAsync(hub, "win-9", "case-9a", acceptedAgo: TimeSpan.FromMinutes(28));
        var later = await AcceptAsync(hub, "win-9", "case-9b", acceptedAgo: TimeSpan.FromMinutes(10));
        await AcceptAsync(hub, "win-10", "case-9c", acceptedAgo: TimeSpan.FromMinutes(29), department: "jj-hrss");
        var now = _clock.GetUtcNow();

        var near = await hub.Sla.ListPendingUntilAsync(now + TimeSpan.FromMinutes(5), "jj-civil-affairs", 10, CancellationToken.None);
        var all = await hub.Sla.ListPendingUntilAsync(now + TimeSpan.FromHours(1), "jj-civil-affairs", 10, CancellationToken.None);

        Assert.Equal([soon.RequestId], near.Select(p => p.Receipt.RequestId));
        Assert.Equal([soon.RequestId, later.RequestId], all.Select(p => p.Receipt.RequestId));
    }

    private async Task<AcceptedRequest> AcceptAsync(TestHubParts hub, string window, string caseNumber, TimeSpan acceptedAgo, string department = "jj-civil-affairs")
    {
        // The fake clock stands at real time; acceptance is put in the past so the Redis server's clock finds it due.
        var acceptedAt = _clock.GetUtcNow() - acceptedAgo;
        var deadline = hub.Policy.DeadlineFor(SlaClass.Immediate, acceptedAt);
        var accepted = TestRequests.Accepted(_keys, window, acceptedAt, deadline, caseNumber, department, hub.Policy.ReminderFor(acceptedAt, deadline));
        await hub.Requests.AcceptAsync(accepted, null, CancellationToken.None);
        return accepted;
    }

    private static VerificationResult Answer(AcceptedRequest accepted, DateTimeOffset answeredAt) => new()
    {
        RequestId = accepted.RequestId,
        ItemCode = accepted.Receipt.ItemCode,
        CaseNumber = accepted.Request.CaseNumber,
        Verdict = Verdict.Match,
        AcceptedAt = accepted.Receipt.AcceptedAt,
        AnsweredAt = Timestamp.FromDateTimeOffset(answeredAt),
        Deadline = accepted.Receipt.Deadline,
        Late = answeredAt > accepted.Receipt.Deadline.ToDateTimeOffset(),
    };

    private static AgentSession Agent(TestHubParts hub, string department)
    {
        var session = new AgentSession(department + "-agent", department, ["JJ-MZ-001"], 1);
        hub.Dispatcher.Register(session);
        return session;
    }

    private TestHubParts Hub(string instance, double reminderAt = 0.8, int batch = 1000)
    {
        var sla = Options.Create(new SlaOptions { ReminderAt = reminderAt, SweepBatch = batch });
        var hubOptions = Options.Create(new HubOptions { InstanceId = instance });
        var requests = fixture.RequestStore(_keys, sla, new HubIncarnation(hubOptions));
        var dispatcher = new Dispatcher(requests, _clock);
        var store = new RedisSlaStore(fixture.Redis, _keys, sla, fixture.Durability);
        var relay = new ReminderRelay(fixture.Redis, _keys, dispatcher, NullLogger<ReminderRelay>.Instance);
        var metrics = new SlaMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));
        var sweeper = new OverdueSweeper(store, _keys, relay, metrics, _clock, sla, hubOptions, NullLogger<OverdueSweeper>.Instance);
        return new TestHubParts(requests, store, sweeper, relay, dispatcher, new DeadlinePolicy(sla, NullLogger<DeadlinePolicy>.Instance));
    }

    private sealed record TestHubParts(RedisRequestStore Requests, RedisSlaStore Sla, OverdueSweeper Sweeper, ReminderRelay Relay, Dispatcher Dispatcher, DeadlinePolicy Policy);
}

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class SlaStoreOnGarnetTests(GarnetFixture fixture) : SlaStoreTests<GarnetFixture>(fixture);

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class SlaStoreOnRedisServerTests(RedisServerFixture fixture) : SlaStoreTests<RedisServerFixture>(fixture);
