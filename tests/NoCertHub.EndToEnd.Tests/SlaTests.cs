extern alias hub;

using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using hub::NoCertHub.Hub.Requests;
using Microsoft.Extensions.Time.Testing;
using NoCertHub.Sdk;
using NoCertHub.V1;
using Xunit;
using NoCertHub.Testing;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// Article 11 on running hubs: overdue requests escalated without polling, reminders reaching
/// agents, late answers, the joint office's API, and several hubs on one Redis.
/// </summary>
public abstract class SlaTests<TRedis>(TRedis redis) : IClassFixture<TRedis>, IAsyncLifetime
    where TRedis : SharedRedis
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private const string ZhangWei = "33100219850312001X";

    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-e2e-sla-").FullName;
    private readonly string _prefix = "sla-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<WebApplication> _hubs = [];
    private readonly List<IAsyncDisposable> _disposables = [];

    [Fact]
    public async Task OverdueRequest_IsEscalatedAtItsDeadline_NotAtTheSweepersNextRoutineWakeUp()
    {
        // The sweeper would otherwise sleep ten minutes and the safety net an hour: only the wake-up on accept can catch this in time.
        var hub = await StartHubAsync(("Sla:OnSite", "00:00:02"), ("Sla:SweepMaxSleep", "00:10:00"), ("Sla:SafetyNetInterval", "01:00:00"));
        var client = Client(hub);

        var receipt = await client.SubmitAsync(Residence("case-esc-1"));

        var escalation = await WaitForEscalationAsync(hub, receipt.RequestId);
        Assert.Equal("jj-haimen-street", escalation.DepartmentAtFault);
        Assert.Equal("JJ-JD-001", escalation.ItemCode);
        Assert.Equal(SlaClass.OnSite, escalation.SlaClass);
        Assert.Equal(("jj-e2e-window", "w1", "case-esc-1"), (escalation.RequesterDepartment, escalation.RequesterWindow, escalation.CaseNumber));
        Assert.Equal(receipt.Deadline, escalation.Deadline);
        Assert.Null(escalation.AnsweredAt);
    }

    [Fact]
    public async Task LateAnswer_ReachesTheWindowMarkedLate_AndTheEscalationStaysOpenUntilTheJointOfficeClosesIt()
    {
        var hub = await StartHubAsync(("Sla:OnSite", "00:00:01"));
        var client = Client(hub);
        var receipt = await client.SubmitAsync(Residence("case-late-1"));
        await WaitForEscalationAsync(hub, receipt.RequestId);

        await using var agents = new AgentRun(await TestAgents.StartAsync(Address(hub), TestAgents.HaimenStreet(_directory, "haimen-late")));
        var result = await WaitForResultAsync(client, receipt.RequestId);

        Assert.True(result.Late);
        Assert.Equal(Verdict.Match, result.Verdict);
        var oversight = Oversight(hub);
        var open = await oversight.ListEscalationsAsync(new ListEscalationsRequest { Department = "jj-haimen-street" });
        var escalation = Assert.Single(open.Escalations);
        Assert.Equal(EscalationState.Open, escalation.State);
        Assert.Equal(result.AnsweredAt, escalation.AnsweredAt);
        Assert.Equal(result.AnsweredAt.ToDateTimeOffset() - receipt.Deadline.ToDateTimeOffset(), escalation.OverdueBy.ToTimeSpan());

        var closed = await oversight.CloseEscalationAsync(new CloseEscalationRequest { RequestId = receipt.RequestId, Finding = "street office understaffed on the day", Officer = "joint-office-li" });

        Assert.Equal(EscalationState.Closed, closed.State);
        Assert.Equal("street office understaffed on the day", closed.Finding);
        Assert.Contains("joint-office-li", closed.ClosedBy, StringComparison.Ordinal);
        Assert.Empty((await oversight.ListEscalationsAsync(new ListEscalationsRequest())).Escalations);
        Assert.Single((await oversight.ListEscalationsAsync(new ListEscalationsRequest { IncludeClosed = true })).Escalations);
        var retried = await oversight.CloseEscalationAsync(new CloseEscalationRequest { RequestId = receipt.RequestId, Finding = "street office understaffed on the day" });
        Assert.Equal(closed.ClosedAt, retried.ClosedAt);
        var conflicting = await Assert.ThrowsAsync<RpcException>(() => oversight.CloseEscalationAsync(new CloseEscalationRequest { RequestId = receipt.RequestId, Finding = "something else" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, conflicting.StatusCode);
    }

    [Fact]
    public async Task Reminder_ReachesTheDepartmentsAgentBeforeTheDeadline()
    {
        var hub = await StartHubAsync(("Sla:OnSite", "00:00:30"), ("Sla:ReminderAt", "0.1"));
        using var channel = GrpcChannel.ForAddress(Address(hub));
        using var call = new AgentService.AgentServiceClient(channel).Connect();
        var hello = new AgentHello { Department = "jj-haimen-street", AgentId = "haimen-manual", Capacity = 1 };
        hello.ItemCodes.Add("JJ-JD-001");
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = hello });

        var receipt = await Client(hub).SubmitAsync(Residence("case-remind-1"));

        var kinds = new List<HubMessage.KindOneofCase>();
        TaskReminder? reminder = null;
        while (reminder is null && await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Patience))
        {
            kinds.Add(call.ResponseStream.Current.KindCase);
            reminder = call.ResponseStream.Current.Reminder;
        }

        Assert.Equal([HubMessage.KindOneofCase.Welcome, HubMessage.KindOneofCase.Task, HubMessage.KindOneofCase.Reminder], kinds);
        Assert.Equal(receipt.RequestId, reminder!.RequestId);
        Assert.Equal(receipt.Deadline, reminder.Deadline);
        Assert.True(DateTimeOffset.UtcNow < receipt.Deadline.ToDateTimeOffset(), "the reminder came before the deadline");
        await call.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task SafetyNet_CatchesAnOverdueRequestTheSweeperWasNeverWokenFor()
    {
        var hub = await StartHubAsync(("Sla:SweepMaxSleep", "01:00:00"), ("Sla:SafetyNetInterval", "00:00:01"));
        // Recorded straight into the store, as another hub would: this hub's sweeper is not told.
        var store = hub.Services.GetRequiredService<IRequestStore>();
        var keys = hub.Services.GetRequiredService<hub::NoCertHub.Hub.Redis.RedisKeys>();
        var id = hub::NoCertHub.Hub.Redis.RedisKeys.NewRequestId(keys.ShardOfWindow("jj-e2e-window", "w9"));
        var acceptedAt = DateTimeOffset.UtcNow.AddHours(-1);
        var receipt = new Receipt
        {
            RequestId = id,
            ItemCode = "JJ-MZ-001",
            SlaClass = SlaClass.Immediate,
            AcceptedAt = Timestamp.FromDateTimeOffset(acceptedAt),
            Deadline = Timestamp.FromDateTimeOffset(acceptedAt.AddMinutes(30)),
            OwningDepartment = "jj-civil-affairs",
        };
        var request = Residence("case-net-1");
        request.Requester.Window = "w9";
        await store.AcceptAsync(
            new AcceptedRequest(id, "jj-e2e-window/w9", hub::NoCertHub.V1.VerificationRequest.Parser.ParseFrom(request.ToByteArray()), hub::NoCertHub.V1.Receipt.Parser.ParseFrom(receipt.ToByteArray())),
            null,
            CancellationToken.None);

        await WaitForEscalationAsync(hub, id);

        var metrics = await MetricsAsync(hub);
        Assert.True(MetricsText.Value(metrics, "nocert_sla_sweeps_total", "trigger=\"safety-net\"") >= 1);
        Assert.Equal(1, MetricsText.Value(metrics, "nocert_sla_escalations_total", "department=\"jj-civil-affairs\""));
    }

    [Fact]
    public async Task ThreeHubs_OnOneRedis_EscalateEachOverdueRequestExactlyOnceBetweenThem()
    {
        var settings = new[] { ("Sla:OnSite", "00:00:02"), ("Sla:SafetyNetInterval", "00:00:01"), ("Sla:ReminderAt", "0") };
        var hubs = new[] { await StartHubAsync(settings), await StartHubAsync(settings), await StartHubAsync(settings) };
        var clients = hubs.Select(Client).ToList();

        var receipts = await Task.WhenAll(Enumerable.Range(0, 150).Select(i => clients[i % 3].SubmitAsync(Residence("case-three-" + i))));

        var deadline = DateTime.UtcNow + Patience;
        int listed;
        while ((listed = (await Oversight(hubs[0]).ListEscalationsAsync(new ListEscalationsRequest { Limit = 1000 })).Total) < 150 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        // Any double claim would be made by a sweep: count once every hub has swept again.
        await Poll.ThreeMoreSweepsAsync([.. hubs.Select(hub => (Func<Task<string>>)(() => MetricsAsync(hub)))]);
        var escalated = 0.0;
        foreach (var hub in hubs)
        {
            escalated += MetricsText.Value(await MetricsAsync(hub), "nocert_sla_escalations_total", "department=\"jj-haimen-street\"");
        }

        var all = await Oversight(hubs[2]).ListEscalationsAsync(new ListEscalationsRequest { Limit = 1000 });
        Assert.Equal(150, listed);
        Assert.Equal(150, escalated);
        Assert.Equal(receipts.Select(r => r.RequestId).Order(StringComparer.Ordinal), all.Escalations.Select(e => e.RequestId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CaseWaitTime_CountsChecksSideBySideOnce_AndRunsWhileOneIsPending()
    {
        var hub = await StartHubAsync();
        var client = Client(hub);
        await using var agents = new AgentRun(await TestAgents.StartAsync(Address(hub), TestAgents.CivilAffairs(_directory, "ca-case")));
        var marital = Residence("case-wait-1");
        marital.ItemCode = "JJ-MZ-001";
        marital.Claims["marital_status"] = "已婚";
        var answered = await client.VerifyAsync(marital);
        var pending = await client.SubmitAsync(Residence("case-wait-1", window: "w2"));

        var wait = await Oversight(hub).GetCaseWaitTimeAsync(new GetCaseWaitTimeRequest { Department = "jj-e2e-window", CaseNumber = "case-wait-1" });

        Assert.True(wait.Pending);
        Assert.Equal([answered.RequestId, pending.RequestId], wait.Checks.Select(c => c.RequestId));
        Assert.Equal(answered.AnsweredAt.ToDateTimeOffset().ToUnixTimeMilliseconds(), wait.Checks[0].AnsweredAt.ToDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Null(wait.Checks[1].AnsweredAt);
        Assert.True(wait.SumOfWaits.ToTimeSpan() >= wait.ClockStopped.ToTimeSpan());
        Assert.True(wait.ClockStopped.ToTimeSpan() >= wait.Checks[1].Waited.ToTimeSpan());
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Oversight(hub).GetCaseWaitTimeAsync(new GetCaseWaitTimeRequest { Department = "jj-e2e-window", CaseNumber = "no-such-case" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var incomplete = await Assert.ThrowsAsync<RpcException>(() => Oversight(hub).GetCaseWaitTimeAsync(new GetCaseWaitTimeRequest { CaseNumber = "case-wait-1" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, incomplete.StatusCode);
    }

    [Fact]
    public async Task Verify_WaitingLongerThanVerifyRecordAfter_IsTrackedWithItsDeadlineWhileItWaits_ThenAnsweredUnderThatId()
    {
        var hub = await StartHubAsync(("Hub:VerifyRecordAfter", "00:00:00.300"));
        var client = Client(hub);
        var oversight = Oversight(hub);
        var near = new ListNearDeadlineRequest { Department = "jj-haimen-street", Within = Duration.FromTimeSpan(TimeSpan.FromDays(30)) };
        var request = Residence("case-held-1");

        // No agent of the street office yet: the Verify waits, and after the delay its request is on the deadline list.
        var verify = client.VerifyAsync(request, TimeSpan.FromSeconds(60));
        var tracked = await Poll.UntilAsync(() => oversight.ListNearDeadlineAsync(near).ResponseAsync, l => l.Requests.Count > 0);
        var pending = Assert.Single(tracked.Requests);
        Assert.Equal("case-held-1", pending.CaseNumber);
        Assert.Equal(RequestState.Queued, pending.State);
        Assert.False(verify.IsCompleted);

        await using var agents = new AgentRun(await TestAgents.StartAsync(Address(hub), TestAgents.HaimenStreet(_directory, "haimen-held")));
        var answered = await verify.WaitAsync(Patience);

        Assert.Equal(pending.Receipt.RequestId, answered.RequestId);
        Assert.Equal(pending.Receipt.Deadline, answered.Deadline);
        Assert.Empty((await oversight.ListNearDeadlineAsync(near)).Requests);
        var wait = await oversight.GetCaseWaitTimeAsync(new GetCaseWaitTimeRequest { Department = "jj-e2e-window", CaseNumber = "case-held-1" });
        Assert.False(wait.Pending);
        Assert.Equal(answered.AnsweredAt.ToDateTimeOffset().ToUnixTimeMilliseconds(), Assert.Single(wait.Checks).AnsweredAt.ToDateTimeOffset().ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task NearDeadline_ListsPendingRequestsOfTheAskedDepartment_SoonestFirst()
    {
        var hub = await StartHubAsync(("Sla:OnSite", "00:05:00"), ("Sla:Records", "00:03:00"));
        var client = Client(hub);
        var later = await client.SubmitAsync(Residence("case-near-1"));
        var sooner = await client.SubmitAsync(Residence("case-near-2"));
        var land = Residence("case-near-3");
        land.ItemCode = "JJ-ZG-001";
        var otherDepartment = await client.SubmitAsync(land);

        var near = await Oversight(hub).ListNearDeadlineAsync(new ListNearDeadlineRequest { Department = "jj-haimen-street", Within = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) });
        var soonest = await Oversight(hub).ListNearDeadlineAsync(new ListNearDeadlineRequest { Within = Duration.FromTimeSpan(TimeSpan.FromMinutes(4)) });

        Assert.Equal([later.RequestId, sooner.RequestId], near.Requests.Select(r => r.Receipt.RequestId));
        Assert.All(near.Requests, r => Assert.InRange(r.TimeLeft.ToTimeSpan(), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5)));
        Assert.Equal([otherDepartment.RequestId], soonest.Requests.Select(r => r.Receipt.RequestId));
        var invalid = await Assert.ThrowsAsync<RpcException>(() => Oversight(hub).ListNearDeadlineAsync(new ListNearDeadlineRequest { Limit = 5000 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
    }

    [Fact]
    public async Task Receipt_OnTheEveOfNationalDay_OnTheWorkingDayCalendar_IsDueAfterTheHoliday()
    {
        // 30 September 2026, 16:00 in Jiaojiang; JJ-GA-001 is a one-day ("records") item.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 9, 30, 16, 0, 0, TimeSpan.FromHours(8)));
        var hub = await StartHubAsync(
            clock,
            ("Sla:Clock", "WorkingDays"),
            ("Sla:Calendar:Holidays:0", "2026-10-01..2026-10-07"),
            ("Sla:Calendar:WorkingWeekends:0", "2026-10-10"));
        var request = Residence("case-eve-1");
        request.ItemCode = "JJ-GA-001";
        request.Claims.Clear();

        var receipt = await Client(hub).SubmitAsync(request);

        Assert.Equal(new DateTimeOffset(2026, 10, 8, 16, 0, 0, TimeSpan.FromHours(8)), receipt.Deadline.ToDateTimeOffset());
        Assert.Equal(SlaClass.Records, receipt.SlaClass);
    }

    [Fact]
    public async Task Hub_WithAMalformedCalendar_RefusesToStart_NamingTheEntry()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartHubAsync(("Sla:Clock", "WorkingDays"), ("Sla:Calendar:Holidays:0", "2026-13-01")));

        Assert.Contains("2026-13-01", error.Message, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var disposable in _disposables)
        {
            await disposable.DisposeAsync();
        }

        foreach (var hub in _hubs)
        {
            await TestHub.StopAsync(hub);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    private Task<WebApplication> StartHubAsync(params (string Key, string Value)[] settings) => StartHubAsync(null, settings);

    private async Task<WebApplication> StartHubAsync(TimeProvider? clock, params (string Key, string Value)[] settings)
    {
        var values = settings.ToDictionary(s => s.Key, s => (string?)s.Value);
        var directory = Directory.CreateDirectory(Path.Combine(_directory, "hub-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        var hub = await TestHub.StartAsync(directory, redis.ConnectionString, _prefix, port: 0, values, clock);
        _hubs.Add(hub);
        return hub;
    }

    [Fact]
    public async Task Verify_WithNoAgent_EndsAtTheHubsLongestWait_NotTheCallersLongerDeadline_AndTheRequestStaysTracked()
    {
        var hub = await StartHubAsync(("Hub:MaxVerifyWait", "00:00:01"));
        var started = DateTime.UtcNow;

        var timedOut = await Assert.ThrowsAsync<VerificationTimeoutException>(() => Client(hub).VerifyAsync(Residence("case-max-wait"), TimeSpan.FromMinutes(5)));

        Assert.Contains("Hub:MaxVerifyWait", timedOut.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromMinutes(1), "Verify waited for the caller's five-minute deadline");
        var requestId = System.Text.RegularExpressions.Regex.Match(timedOut.Message, @"request (r\d\d-\w+) stays tracked").Groups[1].Value;
        Assert.Equal(RequestState.Queued, (await Client(hub).GetAsync(requestId)).State);
    }

    private static Uri Address(WebApplication hub) => TestHub.AddressOf(hub);

    private NoCertHubClient Client(WebApplication hub)
    {
        var client = new NoCertHubClient(new NoCertHubClientOptions { Address = Address(hub), VerifyTimeout = Patience });
        _disposables.Add(new DisposeAdapter(client));
        return client;
    }

    private OversightService.OversightServiceClient Oversight(WebApplication hub)
    {
        var channel = GrpcChannel.ForAddress(Address(hub));
        _disposables.Add(new DisposeAdapter(channel));
        return new OversightService.OversightServiceClient(channel);
    }

    private async Task<Escalation> WaitForEscalationAsync(WebApplication hub, string requestId)
    {
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            var list = await Oversight(hub).ListEscalationsAsync(new ListEscalationsRequest { Limit = 1000 });
            if (list.Escalations.FirstOrDefault(e => e.RequestId == requestId) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < until, $"request {requestId} was not escalated within {Patience}");
            await Task.Delay(100);
        }
    }

    private static async Task<VerificationResult> WaitForResultAsync(NoCertHubClient client, string requestId)
    {
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            var status = await client.GetAsync(requestId);
            if (status.State == RequestState.Answered)
            {
                return status.Result;
            }

            Assert.True(DateTime.UtcNow < until, $"request {requestId} was not answered within {Patience}");
            await Task.Delay(100);
        }
    }

    private static async Task<string> MetricsAsync(WebApplication hub)
    {
        // The test hub listens h2c only; production serves /metrics on its own HTTP/1.1 endpoint.
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        return await http.GetStringAsync(new Uri(Address(hub), "/metrics"));
    }

    private static VerificationRequest Residence(string caseNumber, string window = "w1")
    {
        var request = new VerificationRequest
        {
            ItemCode = "JJ-JD-001",
            Subject = new Subject { Kind = SubjectKind.Person, Id = ZhangWei, Name = "张伟" },
            CaseNumber = caseNumber,
            Purpose = "end-to-end test of Article 11 deadlines",
            Requester = new Requester { Department = "jj-e2e-window", Window = window, Officer = "officer-e2e" },
        };
        request.Claims["name"] = "张伟";
        return request;
    }

    private sealed class DisposeAdapter(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class SlaOnGarnetTests(SharedGarnet redis) : SlaTests<SharedGarnet>(redis);

public sealed class SlaOnRedisServerTests(SharedRedisServer redis) : SlaTests<SharedRedisServer>(redis);

public sealed class SlaOnRedisClusterTests(SharedRedisCluster redis) : SlaTests<SharedRedisCluster>(redis);
