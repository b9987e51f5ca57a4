extern alias hub;

using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Sdk;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// The whole path on real parts: SDK → hub (Kestrel on loopback, Redis, SQLite audit) → real
/// agents over SQLite legacy databases → back to the window.
/// </summary>
public abstract class VerificationPathTests<TFixture>(TFixture hub) : IClassFixture<TFixture>
    where TFixture : HubFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private const string ZhangWei = "33100219850312001X";
    private const string LiNa = "331002199007210029";
    private const string LinXiao = "331002200005050055";
    private const string ChenJie = "331002199501300046";

    [Fact]
    public async Task Verify_ClaimsAgreeingWithTheRecord_MatchesEveryField()
    {
        await using var agents = await Agents(TestAgents.CivilAffairs(hub.Directory, Id("ca")));

        var result = await hub.Client.VerifyAsync(Marital(ZhangWei, "张伟", "已婚"));

        Assert.Equal(Verdict.Match, result.Verdict);
        Assert.All(result.Fields, f => Assert.Equal(FieldVerdictKind.Match, f.Verdict));
        Assert.Equal(["marital_status", "name"], result.Fields.Select(f => f.Field).Order());
        Assert.Equal("jj-civil-affairs", result.AnsweringDepartment);
        Assert.False(result.Late);
        Assert.Empty(result.Disclosed);
    }

    [Fact]
    public async Task Verify_OneClaimContradictsTheRecord_MismatchNamesThatField()
    {
        await using var agents = await Agents(TestAgents.CivilAffairs(hub.Directory, Id("ca")));

        var result = await hub.Client.VerifyAsync(Marital(LiNa, "李娜", "已婚"));

        Assert.Equal(Verdict.Mismatch, result.Verdict);
        Assert.Equal(FieldVerdictKind.Mismatch, result.Fields.Single(f => f.Field == "marital_status").Verdict);
        Assert.Equal(FieldVerdictKind.Match, result.Fields.Single(f => f.Field == "name").Verdict);
    }

    [Fact]
    public async Task Verify_SubjectWithoutRecord_IsNotFound()
    {
        await using var agents = await Agents(TestAgents.CivilAffairs(hub.Directory, Id("ca")));

        var result = await hub.Client.VerifyAsync(Marital(LinXiao, "林晓", "未婚"));

        Assert.Equal(Verdict.NotFound, result.Verdict);
    }

    [Fact]
    public async Task Verify_NoCriminalRecordClaim_MatchesOnlyWhenNoRecordIsHeld()
    {
        await using var agents = await Agents(TestAgents.PublicSecurity(hub.Directory, Id("ps")));

        var clean = await hub.Client.VerifyAsync(Request("JJ-GA-001", ZhangWei, "张伟"));
        var convicted = await hub.Client.VerifyAsync(Request("JJ-GA-001", ChenJie, "陈杰"));

        Assert.Equal(Verdict.Match, clean.Verdict);
        Assert.Equal(Verdict.Mismatch, convicted.Verdict);
    }

    [Fact]
    public async Task Verify_DisclosableItem_ReturnsOnlyCatalogDisclosedFields()
    {
        await using var agents = await Agents(TestAgents.PublicSecurity(hub.Directory, Id("ps")));
        var request = Request("JJ-GA-002", LiNa, "李娜");
        request.Claims["name"] = "李娜";

        var result = await hub.Client.VerifyAsync(request);

        Assert.Equal(Verdict.Match, result.Verdict);
        Assert.Equal("椒江区白云街道市府大道66号", Assert.Single(result.Disclosed, d => d.Key == "household_address").Value);
        Assert.DoesNotContain("name", result.Disclosed.Keys);
    }

    [Fact]
    public async Task Verify_Answered_IsInTheAuditTrailBeforeTheWindowSeesIt()
    {
        await using var agents = await Agents(TestAgents.CivilAffairs(hub.Directory, Id("ca")));
        var request = Marital(ZhangWei, "张伟", "已婚");

        var result = await hub.Client.VerifyAsync(request);

        // Read straight after the answer arrived: the record must already be committed.
        var record = Assert.Single(await hub.Audit.FindByRequestAsync(result.RequestId, CancellationToken.None));
        Assert.Equal(request.CaseNumber, record.CaseNumber);
        Assert.Equal(request.Purpose, record.Purpose);
        Assert.Equal("officer-e2e", record.Officer);
        Assert.Equal(ZhangWei, record.SubjectId);
        Assert.Equal(nameof(Verdict.Match), record.Verdict);
        Assert.Equal("jj-civil-affairs", record.AnsweringDepartment);
    }

    [Fact]
    public async Task Submit_UnknownItem_IsRefusedNotFoundAndAudited()
    {
        var request = Request("JJ-XX-404", LinXiao, "林晓");

        var error = await Assert.ThrowsAsync<ItemNotFoundException>(() => hub.Client.SubmitAsync(request));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("JJ-XX-404", error.Message, StringComparison.Ordinal);
        var refused = await hub.Audit.FindBySubjectAsync(LinXiao, 50, CancellationToken.None);
        Assert.Contains(refused, r => r.ItemCode == "JJ-XX-404" && r.Reason!.Contains("NotFound", StringComparison.Ordinal) && r.Officer == "officer-e2e");
    }

    [Fact]
    public async Task Submit_ItemNoLongerInForce_IsRefusedWithTheDate()
    {
        var error = await Assert.ThrowsAsync<ItemNotInForceException>(() => hub.Client.SubmitAsync(Request("JJ-MZ-009", ZhangWei, "张伟")));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("2021-01-01", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("purpose")]
    [InlineData("case_number")]
    [InlineData("subject.id")]
    [InlineData("claims")]
    public async Task Submit_MalformedRequest_IsInvalidArgumentNamingTheField(string field)
    {
        var request = Marital(ZhangWei, "张伟", "已婚");
        switch (field)
        {
            case "purpose": request.Purpose = ""; break;
            case "case_number": request.CaseNumber = " "; break;
            case "subject.id": request.Subject.Id = "331002198503120012"; break;
            case "claims": request.Claims["favourite_colour"] = "blue"; break;
        }

        var error = await Assert.ThrowsAsync<InvalidVerificationRequestException>(() => hub.Client.SubmitAsync(request));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        var audited = await hub.Audit.FindBySubjectAsync(request.Subject.Id, 200, CancellationToken.None);
        Assert.Contains(audited, r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Refused && r.Officer == "officer-e2e" && r.Reason!.Contains(field, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Submit_NoAgentConnected_WaitsAndIsAnsweredWhenOneConnects()
    {
        var request = Request("JJ-JD-001", ZhangWei, "张伟");
        request.Claims["address"] = "椒江区海门街道东山路18号";

        var receipt = await hub.Client.SubmitAsync(request);
        await Task.Delay(300);
        var waiting = await hub.Client.GetAsync(receipt.RequestId);
        Assert.Equal(RequestState.Queued, waiting.State);
        Assert.Equal(SlaClass.OnSite, receipt.SlaClass);
        Assert.Equal(receipt.AcceptedAt.ToDateTimeOffset().AddDays(2), receipt.Deadline.ToDateTimeOffset());

        await using var agents = await Agents(TestAgents.HaimenStreet(hub.Directory, Id("hm")));
        var answered = await Poll.UntilAsync(() => hub.Client.GetAsync(receipt.RequestId), s => s.State == RequestState.Answered);

        Assert.Equal(Verdict.Match, answered.Result.Verdict);
    }

    [Fact]
    public async Task Verify_NoAnswerBeforeItsTimeout_ThrowsTimeout_AndTheRequestStaysTracked_AnsweredLaterOnWatch()
    {
        var window = Id("window");
        var request = Request("JJ-JD-001", ZhangWei, "张伟", window);
        request.Claims["address"] = "椒江区海门街道东山路18号";

        // No agent of the street office is connected: no answer within the call.
        await Assert.ThrowsAsync<VerificationTimeoutException>(() => hub.Client.VerifyAsync(request, TimeSpan.FromSeconds(1)));

        await using var agents = await Agents(TestAgents.HaimenStreet(hub.Directory, Id("hm")));
        using var stop = new CancellationTokenSource(Patience);
        var answered = await hub.Client.WatchAsync("jj-e2e-window", window, cancellationToken: stop.Token).FirstAsync(stop.Token);
        Assert.Equal(request.CaseNumber, answered.Result.CaseNumber);
        Assert.Equal(Verdict.Match, answered.Result.Verdict);
    }

    [Fact]
    public async Task Agent_KilledMidTask_TaskIsAnsweredByAnotherAgent()
    {
        using var channel = GrpcChannel.ForAddress(hub.AgentAddress);
        var raw = new AgentService.AgentServiceClient(channel);
        using var killed = new CancellationTokenSource();
        var call = raw.Connect(cancellationToken: killed.Token);
        await Hello(call, "jj-haimen-street", "doomed-agent", "JJ-JD-001");
        var request = Request("JJ-JD-001", ZhangWei, "张伟");
        request.Claims["address"] = "椒江区海门街道东山路18号";

        var verify = hub.Client.VerifyAsync(request);
        var task = await NextTask(call);
        await killed.CancelAsync();
        call.Dispose();
        await using var survivor = await Agents(TestAgents.HaimenStreet(hub.Directory, Id("survivor")));
        var result = await verify.WaitAsync(Patience);

        Assert.Equal(task.RequestId, result.RequestId);
        Assert.Equal(Verdict.Match, result.Verdict);
        Assert.StartsWith("survivor", result.AnsweringAgent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_SendingAMalformedResult_IsDisconnectedAndTheTaskIsAnsweredByAnother()
    {
        using var channel = GrpcChannel.ForAddress(hub.AgentAddress);
        var raw = new AgentService.AgentServiceClient(channel);
        using var call = raw.Connect();
        await Hello(call, "jj-haimen-street", "garbage-agent", "JJ-JD-001");
        var request = Request("JJ-JD-001", ZhangWei, "张伟");
        var verify = hub.Client.VerifyAsync(request);
        var task = await NextTask(call);

        await call.RequestStream.WriteAsync(new AgentMessage { Result = new TaskResult { RequestId = task.RequestId } });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Patience));
        await using var survivor = await Agents(TestAgents.HaimenStreet(hub.Directory, Id("fixer")));
        var result = await verify.WaitAsync(Patience);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("verdict", error.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("fixer", result.AnsweringAgent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_ClaimingAnotherDepartmentsItem_IsRefused()
    {
        using var channel = GrpcChannel.ForAddress(hub.AgentAddress);
        using var call = new AgentService.AgentServiceClient(channel).Connect();

        await call.RequestStream.WriteAsync(Hello("jj-haimen-street", "impostor", "JJ-GA-001"));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Patience));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("jj-public-security", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_OfOneDepartment_ShareTheLoadWithinTheirCapacity()
    {
        var first = TestAgents.CivilAffairs(hub.Directory, Id("share-a"));
        var second = TestAgents.CivilAffairs(hub.Directory, Id("share-b"));
        await using var agents = await Agents(first, second);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => hub.Client.VerifyAsync(Marital(ZhangWei, "张伟", "已婚"))));

        Assert.All(results, r => Assert.Equal(Verdict.Match, r.Verdict));
        var byAgent = results.GroupBy(r => r.AnsweringAgent).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, byAgent.Count);
        Assert.All(byAgent.Values, n => Assert.InRange(n, 5, 35));
    }

    [Fact]
    public async Task Watch_WindowReconnectsWithItsCursor_ReceivesExactlyWhatItMissed()
    {
        await using var agents = await Agents(TestAgents.CivilAffairs(hub.Directory, Id("ca")));
        var window = Id("window");
        var submitted = new List<string>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            submitted.Add((await hub.Client.SubmitAsync(Marital(ZhangWei, "张伟", "已婚", window))).RequestId);
        }

        // Receive two (in the order they were answered), then drop the stream.
        List<WatchEvent> seen;
        using (var stop = new CancellationTokenSource(Patience))
        {
            seen = await hub.Client.WatchAsync("jj-e2e-window", window, cancellationToken: stop.Token).Take(2).ToListAsync(stop.Token);
        }

        // While away: two more are answered.
        foreach (var _ in Enumerable.Range(0, 2))
        {
            submitted.Add((await hub.Client.SubmitAsync(Marital(LiNa, "李娜", "未婚", window))).RequestId);
        }

        foreach (var id in submitted)
        {
            await Poll.UntilAsync(() => hub.Client.GetAsync(id), s => s.State == RequestState.Answered);
        }

        using var again = new CancellationTokenSource(Patience);
        var resumed = await hub.Client.WatchAsync("jj-e2e-window", window, seen[^1].Cursor, again.Token).Take(3).ToListAsync(again.Token);
        // Nothing more than the three missed may follow: a fourth would be a duplicate.
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var extra = await Record.ExceptionAsync(async () => await hub.Client.WatchAsync("jj-e2e-window", window, resumed[^1].Cursor, quiet.Token).FirstAsync(quiet.Token));

        var missed = submitted.Except(seen.Select(e => e.Result.RequestId)).Order().ToList();
        Assert.Equal(2, seen.Select(e => e.Result.RequestId).Intersect(submitted).Count());
        Assert.Equal(missed, resumed.Select(e => e.Result.RequestId).Order());
        Assert.IsAssignableFrom<OperationCanceledException>(extra);
        Assert.Equal(5, seen.Concat(resumed).Select(e => e.Cursor).Distinct().Count());
    }

    [Fact]
    public async Task Submit_RetriedWithTheSameClientRequestId_ReturnsTheFirstReceipt()
    {
        var request = Marital(ZhangWei, "张伟", "已婚");
        request.ClientRequestId = Id("retry");

        var first = await hub.Client.SubmitAsync(request);
        var second = await hub.Client.SubmitAsync(request);

        Assert.Equal(first.RequestId, second.RequestId);
        Assert.Equal(first.Deadline, second.Deadline);
    }

    [Fact]
    public async Task Get_UnknownRequestId_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RequestNotFoundException>(() => hub.Client.GetAsync(hub::NoCertHub.Hub.Redis.RedisKeys.NewRequestId(3)));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    private async Task<AgentRun> Agents(params Agents.Hosting.DepartmentAgentOptions[] departments) =>
        new(await TestAgents.StartAsync(hub.AgentAddress, departments));

    private static string Id(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private static VerificationRequest Marital(string id, string name, string status, string? window = null)
    {
        var request = Request("JJ-MZ-001", id, name, window);
        request.Claims["name"] = name;
        request.Claims["marital_status"] = status;
        return request;
    }

    private static VerificationRequest Request(string item, string id, string name, string? window = null)
    {
        return new VerificationRequest
        {
            ItemCode = item,
            Subject = new Subject { Kind = SubjectKind.Person, Id = id, Name = name },
            CaseNumber = "JJ-2026-" + Guid.NewGuid().ToString("N")[..6],
            Purpose = "end-to-end test of the verification path",
            Requester = new Requester { Department = "jj-e2e-window", Window = window ?? "w1", Officer = "officer-e2e" },
        };
    }

    private static AgentMessage Hello(string department, string agentId, string item)
    {
        var hello = new AgentHello { Department = department, AgentId = agentId, Capacity = 1 };
        hello.ItemCodes.Add(item);
        return new AgentMessage { Hello = hello };
    }

    private static async Task Hello(AsyncDuplexStreamingCall<AgentMessage, HubMessage> call, string department, string agentId, string item)
    {
        await call.RequestStream.WriteAsync(Hello(department, agentId, item));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Patience));
        Assert.Equal(HubMessage.KindOneofCase.Welcome, call.ResponseStream.Current.KindCase);
    }

    private static async Task<VerificationTask> NextTask(AsyncDuplexStreamingCall<AgentMessage, HubMessage> call)
    {
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Patience));
        return call.ResponseStream.Current.Task;
    }

}

public sealed class VerificationPathOnEmbeddedGarnet(GarnetHubFixture hub) : VerificationPathTests<GarnetHubFixture>(hub);

public sealed class VerificationPathOnRedisServer(RedisServerHubFixture hub) : VerificationPathTests<RedisServerHubFixture>(hub);

public sealed class VerificationPathOnRedisCluster(RedisClusterHubFixture hub) : VerificationPathTests<RedisClusterHubFixture>(hub);
