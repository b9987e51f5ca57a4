extern alias hub;

using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Sdk;
using NoCertHub.V1;
using Xunit;
using NoCertHub.Testing;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>The Article 17 trail through its API, on a real hub with real agents.</summary>
public abstract class AuditTrailTests<TRedis>(TRedis redis) : IClassFixture<TRedis>, IAsyncLifetime, IDisposable
    where TRedis : SharedRedis
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private const string ZhangWei = "33100219850312001X";
    private const string LiNa = "331002199007210029";

    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-e2e-audit-").FullName;
    private WebApplication _hub = null!;
    private GrpcChannel _channel = null!;
    private NoCertHubClient _client = null!;

    public async Task InitializeAsync()
    {
        _hub = await TestHub.StartAsync(_directory, redis.ConnectionString, "audit-" + Guid.NewGuid().ToString("N")[..8], port: 0);
        _channel = GrpcChannel.ForAddress(TestHub.AddressOf(_hub));
        _client = new NoCertHubClient(new NoCertHubClientOptions { Address = TestHub.AddressOf(_hub), VerifyTimeout = Patience });
    }

    [Fact]
    public async Task SearchBySubject_GivesTheCitizensView_NewestFirst_AndRecordsTheSearch()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), TestAgents.CivilAffairs(_directory, "ca-audit")));
        var caseNumber = "JJ-AUDIT-" + Guid.NewGuid().ToString("N")[..6];
        var first = await _client.VerifyAsync(Marital(LiNa, caseNumber, "officer-a"));
        var second = await _client.VerifyAsync(Marital(LiNa, caseNumber, "officer-b"));
        await Assert.ThrowsAsync<ItemNotFoundException>(() => _client.SubmitAsync(Marital(LiNa, caseNumber, "officer-c", item: "JJ-XX-404")));

        var view = await Audit().SearchAsync(new AuditSearchRequest { SubjectId = LiNa, Purpose = "citizen asked who looked at her data", OfficerDeclared = "joint-office-wang" });

        // The search is on record before its results are returned, so the citizen sees it too.
        var searched = view.Entries[0];
        Assert.Equal(AuditEntryKind.Searched, searched.Kind);
        Assert.Equal("citizen asked who looked at her data", searched.Purpose);
        Assert.Contains("joint-office-wang", searched.Officer, StringComparison.Ordinal);
        var lookups = view.Entries.Skip(1).Where(e => e.CaseNumber == caseNumber).ToList();
        Assert.Equal(
            [(AuditEntryKind.Refused, ""), (AuditEntryKind.Answered, second.RequestId), (AuditEntryKind.Answered, first.RequestId)],
            lookups.Select(e => (e.Kind, e.RequestId)));
        Assert.Equal(["officer-c", "officer-b", "officer-a"], lookups.Select(e => e.Officer));
        Assert.True(lookups[0].Seq > lookups[1].Seq && lookups[1].Seq > lookups[2].Seq);
    }

    [Fact]
    public async Task SearchByOfficerAndCase_Pages_WithoutRepeatsOrGaps()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), TestAgents.CivilAffairs(_directory, "ca-page")));
        var officer = "officer-" + Guid.NewGuid().ToString("N")[..6];
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await _client.VerifyAsync(Marital(i % 2 == 0 ? ZhangWei : LiNa, "JJ-PAGE-" + i, officer))).RequestId);
        }

        var seen = new List<string>();
        var pages = 0;
        var token = "";
        do
        {
            var page = await Audit().SearchAsync(new AuditSearchRequest { Officer = officer, PageSize = 3, PageToken = token, Purpose = "review of an officer's lookups" });
            seen.AddRange(page.Entries.Select(e => e.RequestId));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0 && pages < 10);
        var byCase = await Audit().SearchAsync(new AuditSearchRequest { Department = "jj-e2e-window", CaseNumber = "JJ-PAGE-3", Purpose = "case review" });

        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.Equal(3, pages);
        Assert.Equal([ids[3]], byCase.Entries.Select(e => e.RequestId));
    }

    [Fact]
    public async Task Search_WithoutAFilterOrAPurpose_IsRefused()
    {
        var noFilter = await Assert.ThrowsAsync<RpcException>(() => Audit().SearchAsync(new AuditSearchRequest { Purpose = "curiosity" }).ResponseAsync);
        var noPurpose = await Assert.ThrowsAsync<RpcException>(() => Audit().SearchAsync(new AuditSearchRequest { SubjectId = LiNa }).ResponseAsync);
        var badToken = await Assert.ThrowsAsync<RpcException>(() => Audit().SearchAsync(new AuditSearchRequest { SubjectId = LiNa, Purpose = "p", PageToken = "abc" }).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument, StatusCode.InvalidArgument), (noFilter.StatusCode, noPurpose.StatusCode, badToken.StatusCode));
        Assert.Contains("purpose", noPurpose.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentThatCannotAnswer_LeavesAFailedRecord_AndTheRequestIsStillAnswered()
    {
        using var call = new AgentService.AgentServiceClient(_channel).Connect();
        var hello = new AgentHello { Department = "jj-haimen-street", AgentId = "haimen-down", Capacity = 1 };
        hello.ItemCodes.Add("JJ-JD-001");
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
        var receipt = await _client.SubmitAsync(Marital(ZhangWei, "JJ-FAIL-1", "officer-f", item: "JJ-JD-001"));
        HubMessage.KindOneofCase kind;
        do
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Patience));
            kind = call.ResponseStream.Current.KindCase;
        }
        while (kind != HubMessage.KindOneofCase.Task);

        await call.RequestStream.WriteAsync(new AgentMessage { Release = new TaskRelease { RequestId = receipt.RequestId, Reason = "street database offline" } });
        await call.RequestStream.CompleteAsync();
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), TestAgents.HaimenStreet(_directory, "haimen-up")));
        var answered = await Poll.UntilAsync(() => _client.GetAsync(receipt.RequestId), r => r.State == RequestState.Answered);

        var trail = await Audit().SearchAsync(new AuditSearchRequest { CaseNumber = "JJ-FAIL-1", Purpose = "failure review" });

        Assert.Equal(RequestState.Answered, answered.State);
        // Newest first: the window's reading of the answer (Get) is a lookup too, then the answer, then the failure.
        Assert.Equal([AuditEntryKind.Read, AuditEntryKind.Answered, AuditEntryKind.Failed], trail.Entries.Where(e => e.RequestId == receipt.RequestId).Select(e => e.Kind));
        var failed = trail.Entries.Single(e => e.Kind == AuditEntryKind.Failed);
        Assert.Equal(("street database offline", "haimen-down"), (failed.Reason, failed.AnsweringAgent));
    }

    [Fact]
    public async Task DepartmentNotEntitledToTheItem_IsRefused_AndTheAttemptIsOnRecord()
    {
        var request = Marital(ZhangWei, "JJ-TOUR-1", "officer-t", item: "JJ-GA-001");
        request.Requester.Department = "jj-finance";

        var refused = await Assert.ThrowsAsync<VerificationAccessDeniedException>(() => _client.SubmitAsync(request));
        var trail = await Audit().SearchAsync(new AuditSearchRequest { Department = "jj-finance", CaseNumber = "JJ-TOUR-1", Purpose = "entitlement review" });

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("not entitled", refused.Message, StringComparison.Ordinal);
        var entry = trail.Entries.Single(e => e.Kind == AuditEntryKind.Refused);
        Assert.Equal(("officer-t", "JJ-GA-001", ZhangWei), (entry.Officer, entry.ItemCode, entry.SubjectId));
        Assert.Contains("not entitled", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LookupAboutSomeoneTheCaseDoesNotName_IsRecordedAsSuch_AndBecomesAFinding()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), TestAgents.CivilAffairs(_directory, "ca-party")));
        var caseNumber = "JJ-PARTY-" + Guid.NewGuid().ToString("N")[..6];
        var officer = "officer-" + Guid.NewGuid().ToString("N")[..6];
        const string Stranger = "331002199501300046";
        // Zhang Wei applies; his wife Li Na is declared a related party; the third lookup is about neither.
        var own = Marital(ZhangWei, caseNumber, officer);
        var spouse = Marital(LiNa, caseNumber, officer);
        spouse.Applicant = new Subject { Kind = SubjectKind.Person, Id = ZhangWei };
        spouse.RelatedParties.Add(new Subject { Kind = SubjectKind.Person, Id = LiNa });
        var stranger = Marital(Stranger, caseNumber, officer);
        stranger.Applicant = new Subject { Kind = SubjectKind.Person, Id = ZhangWei };
        stranger.RelatedParties.Add(new Subject { Kind = SubjectKind.Person, Id = LiNa });
        foreach (var request in new[] { own, spouse, stranger })
        {
            await _client.VerifyAsync(request);
        }

        var trail = await Audit().SearchAsync(new AuditSearchRequest { Officer = officer, Purpose = "audit test", OfficerDeclared = "joint-office-wang" });
        var roles = trail.Entries.Where(e => e.Kind == AuditEntryKind.Answered).ToDictionary(e => e.SubjectId, e => e.SubjectRole);
        await _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.MisuseDetector>().RunAsync(CancellationToken.None);
        // Run at any hour of the day, so other rules (off hours) may fire as well: only this rule's findings are looked at.
        var findings = await Audit().ListFindingsAsync(new ListFindingsRequest { Officer = officer, Rule = "subject_not_applicant" });

        Assert.Equal(new Dictionary<string, string> { [ZhangWei] = "applicant", [LiNa] = "related_party", [Stranger] = "not_a_party" }, roles);
        var finding = Assert.Single(findings.Findings);
        Assert.Equal(("subject_not_applicant", Stranger), (finding.Rule, finding.SubjectId));
    }

    [Fact]
    public async Task ApplicantWithAnInvalidId_IsRefused_NamingTheField()
    {
        var request = Marital(LiNa, "JJ-BAD-APPLICANT", "officer-t");
        request.Applicant = new Subject { Kind = SubjectKind.Person, Id = "331002199007210028" };

        var refused = await Assert.ThrowsAsync<RpcException>(() => new VerificationService.VerificationServiceClient(_channel).VerifyAsync(new VerifyRequest { Request = request }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("applicant.id", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Findings_AreListedAndClosedThroughTheApi()
    {
        var officer = "officer-" + Guid.NewGuid().ToString("N")[..6];
        var store = _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.MisuseFindingStore>();
        await store.AddAsync(new hub::NoCertHub.Hub.Audit.MisuseFindingRecord
        {
            Rule = "off_hours",
            Officer = officer,
            Day = "2026-12-02",
            Count = 2,
            Detail = "2 lookup(s) outside office hours",
            FoundAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None);

        var open = await Audit().ListFindingsAsync(new ListFindingsRequest { Officer = officer });
        var finding = Assert.Single(open.Findings);
        var noOutcome = await Assert.ThrowsAsync<RpcException>(() => Audit().CloseFindingAsync(new CloseFindingRequest { Id = finding.Id, Resolution = "looked at it" }).ResponseAsync);
        var closed = await Audit().CloseFindingAsync(new CloseFindingRequest { Id = finding.Id, Resolution = "overtime approved for a flood emergency", Outcome = FindingOutcome.NotUpheld, OfficerDeclared = "joint-office-li" });
        var stillOpen = await Audit().ListFindingsAsync(new ListFindingsRequest { Officer = officer });
        var all = await Audit().ListFindingsAsync(new ListFindingsRequest { Officer = officer, IncludeClosed = true });
        var conflicting = await Assert.ThrowsAsync<RpcException>(() => Audit().CloseFindingAsync(new CloseFindingRequest { Id = finding.Id, Resolution = "something else", Outcome = FindingOutcome.NotUpheld }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Audit().CloseFindingAsync(new CloseFindingRequest { Id = 999_999, Resolution = "x", Outcome = FindingOutcome.Upheld }).ResponseAsync);

        Assert.Equal(("off_hours", true), (finding.Rule, finding.Open));
        Assert.Equal(StatusCode.InvalidArgument, noOutcome.StatusCode);
        Assert.Contains("outcome is required", noOutcome.Status.Detail, StringComparison.Ordinal);
        Assert.False(closed.Open);
        Assert.Equal(FindingOutcome.NotUpheld, closed.Outcome);
        Assert.Contains("joint-office-li", closed.ClosedBy, StringComparison.Ordinal);
        Assert.Empty(stillOpen.Findings);
        Assert.Equal("overtime approved for a flood emergency", Assert.Single(all.Findings).Resolution);
        Assert.Equal((StatusCode.FailedPrecondition, StatusCode.NotFound), (conflicting.StatusCode, unknown.StatusCode));
    }

    [Fact]
    public async Task ScheduledCheckpoints_SignEveryRecordOfLiveTraffic_WhileTheHubServes()
    {
        var directory = Path.Combine(_directory, "scheduled");
        Directory.CreateDirectory(directory);
        var checkpointed = await TestHub.StartAsync(directory, redis.ConnectionString, "ckpt-" + Guid.NewGuid().ToString("N")[..8], port: 0,
            new Dictionary<string, string?> { ["Audit:CheckpointInterval"] = "00:00:00.500", ["Audit:Misuse:Interval"] = "00:00:00.500" });
        try
        {
            using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = TestHub.AddressOf(checkpointed), VerifyTimeout = Patience });
            await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(checkpointed), TestAgents.CivilAffairs(directory, "ca-ckpt")));
            const int Lookups = 30;
            for (var i = 0; i < Lookups; i++)
            {
                // Spread over several checkpoint periods, so some are signed while lookups go on.
                await client.VerifyAsync(Marital(i % 2 == 0 ? ZhangWei : LiNa, "JJ-CKPT-" + i, "officer-ckpt"));
                await Task.Delay(50);
            }

            var checkpoints = checkpointed.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditCheckpoints>();
            var folder = Path.GetDirectoryName(checkpoints.PublicKeyPath)!;
            var signed = await Poll.UntilAsync(
                () => Task.FromResult(hub::NoCertHub.Hub.Audit.AuditCheckpoints.Read(folder)),
                found => found.Count > 0 && found[^1].To >= Lookups);

            Assert.True(signed.Count >= 2, $"expected several checkpoints over the run, found {signed.Count}");
            Assert.Equal(1, signed[0].From);
            Assert.All(signed.Zip(signed.Skip(1)), pair => Assert.Equal(pair.First.To + 1, pair.Second.From));
            Assert.True(signed[^1].To >= Lookups, $"the last checkpoint ends at {signed[^1].To}, before the {Lookups} lookups");
            using var key = System.Security.Cryptography.ECDsa.Create();
            key.ImportFromPem(await File.ReadAllTextAsync(checkpoints.PublicKeyPath));
            Assert.All(signed, c => Assert.True(c.VerifySignature(key)));
        }
        finally
        {
            await TestHub.StopAsync(checkpointed);
        }
    }

    public async Task DisposeAsync()
    {
        await TestHub.StopAsync(_hub);
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose()
    {
        _client.Dispose();
        _channel.Dispose();
        GC.SuppressFinalize(this);
    }

    private AuditService.AuditServiceClient Audit() => new(_channel);

    private static VerificationRequest Marital(string subject, string caseNumber, string officer, string item = "JJ-MZ-001")
    {
        var request = new VerificationRequest
        {
            ItemCode = item,
            Subject = new Subject { Kind = SubjectKind.Person, Id = subject },
            CaseNumber = caseNumber,
            Purpose = "marriage registration",
            Requester = new Requester { Department = "jj-e2e-window", Window = "w1", Officer = officer },
        };
        if (item == "JJ-MZ-001")
        {
            request.Claims["marital_status"] = "已婚";
        }

        return request;
    }
}

public sealed class AuditTrailOnGarnetTests(SharedGarnet redis) : AuditTrailTests<SharedGarnet>(redis);

public sealed class AuditTrailOnRedisServerTests(SharedRedisServer redis) : AuditTrailTests<SharedRedisServer>(redis);

public sealed class AuditTrailOnRedisClusterTests(SharedRedisCluster redis) : AuditTrailTests<SharedRedisCluster>(redis);
