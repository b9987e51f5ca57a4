extern alias hub;

using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Time.Testing;
using NoCertHub.V1;
using Xunit;
using NoCertHub.Testing;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// The catalog and the regulation's rules through gRPC, on a real hub whose catalog store is a
/// fresh SQLite file seeded from the sample catalog. The hub's clock is fake: Tuesday
/// 1 December 2026, 10:00 in Jiaojiang.
/// </summary>
public abstract class CatalogTests<TRedis>(TRedis redis) : IClassFixture<TRedis>, IAsyncLifetime, IDisposable
    where TRedis : SharedRedis
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private const string ZhangWei = "33100219850312001X";
    private const string LiNa = "331002199007210029";
    private const string NotRegistered = "331002198801010011";

    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-e2e-catalog-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8)));
    private WebApplication _hub = null!;
    private GrpcChannel _channel = null!;

    private CatalogService.CatalogServiceClient Catalog => new(_channel);

    private VerificationService.VerificationServiceClient Verification => new(_channel);

    public async Task InitializeAsync()
    {
        _hub = await TestHub.StartAsync(_directory, redis.ConnectionString, "catalog-" + Guid.NewGuid().ToString("N")[..8], port: 0, time: _clock);
        _channel = GrpcChannel.ForAddress(TestHub.AddressOf(_hub));
    }

    [Fact]
    public async Task ProposedItem_RoutesOnlyOnceTheJointOfficeApprovesIt_AndItsHistoryKeepsWhoAndWhy()
    {
        var spec = Spec("JJ-MZ-010", "jj-civil-affairs", "2026-12-01");

        var proposed = await Catalog.ProposeAsync(new ProposeRequest
        {
            Spec = spec, Reason = "adoption registrations need it", DepartmentDeclared = "jj-civil-affairs", OfficerDeclared = "ca-officer-zhou",
        });
        var beforeApproval = await Assert.ThrowsAsync<RpcException>(() => Verification.SubmitAsync(new SubmitRequest { Request = Request("JJ-MZ-010", LiNa) }).ResponseAsync);
        var approved = await Catalog.DecideAsync(new DecideRequest { ProposalId = proposed.Id, Approve = true, Note = "legal basis checked", OfficerDeclared = "joint-office-li" });
        var listed = await Catalog.ListItemsAsync(new ListItemsRequest());
        var receipt = await Verification.SubmitAsync(new SubmitRequest { Request = Request("JJ-MZ-010", LiNa) });
        var history = await Catalog.GetItemAsync(new GetItemRequest { Code = "JJ-MZ-010" });
        var twice = await Assert.ThrowsAsync<RpcException>(() => Catalog.DecideAsync(new DecideRequest { ProposalId = proposed.Id, Approve = false, Note = "x" }).ResponseAsync);

        Assert.Equal((ProposalState.Pending, 0), (proposed.State, proposed.Version));
        Assert.Equal(StatusCode.NotFound, beforeApproval.StatusCode);
        Assert.Equal((ProposalState.Approved, 1), (approved.State, approved.Version));
        Assert.Contains(listed.Items, i => i.Code == "JJ-MZ-010");
        Assert.Equal(("jj-civil-affairs", SlaClass.Records), (receipt.OwningDepartment, receipt.SlaClass));
        var record = Assert.Single(history.Proposals);
        Assert.Equal(("jj-civil-affairs", "adoption registrations need it", "legal basis checked"), (record.ProposingDepartment, record.Reason, record.DecisionNote));
        Assert.Contains("ca-officer-zhou", record.ProposedBy, StringComparison.Ordinal);
        Assert.Contains("joint-office-li", record.DecidedBy, StringComparison.Ordinal);
        Assert.Equal("JJ-MZ-010", history.InForce.Code);
        Assert.Equal(StatusCode.FailedPrecondition, twice.StatusCode);
        // The refused attempt before approval is on the audit trail (Art. 21).
        var audit = _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>();
        var trail = await audit.FindBySubjectAsync(LiNa, 50, CancellationToken.None);
        Assert.Contains(trail, r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Refused && r.ItemCode == "JJ-MZ-010" && r.Reason!.Contains("not in the certificate catalog", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChangeToAnItem_TakesEffectFromItsDay_AndRejectionNeedsAReason()
    {
        var change = Spec("JJ-SJ-002", "jj-market-regulation", "2026-12-03");
        change.Name = "经营场所使用证明 (business premises, revised)";

        var proposed = await Catalog.ProposeAsync(new ProposeRequest { Spec = change, Reason = "new premises rules", DepartmentDeclared = "jj-market-regulation", OfficerDeclared = "mr-1" });
        var noReason = await Assert.ThrowsAsync<RpcException>(() => Catalog.DecideAsync(new DecideRequest { ProposalId = proposed.Id, Approve = false }).ResponseAsync);
        await Catalog.DecideAsync(new DecideRequest { ProposalId = proposed.Id, Approve = true, Note = "ok" });
        var today = await Catalog.ListItemsAsync(new ListItemsRequest());
        var fromTheDay = await Catalog.ListItemsAsync(new ListItemsRequest { On = "2026-12-03" });
        var earlier = Spec("JJ-SJ-002", "jj-market-regulation", "2026-12-02");
        var overlapping = await Assert.ThrowsAsync<RpcException>(() => Catalog.ProposeAsync(new ProposeRequest { Spec = earlier, Reason = "r", DepartmentDeclared = "jj-market-regulation", OfficerDeclared = "mr-1" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, noReason.StatusCode);
        Assert.StartsWith("经营场所使用证明 (proof", today.Items.Single(i => i.Code == "JJ-SJ-002").Name, StringComparison.Ordinal);
        Assert.Equal("经营场所使用证明 (business premises, revised)", fromTheDay.Items.Single(i => i.Code == "JJ-SJ-002").Name);
        Assert.Equal(StatusCode.InvalidArgument, overlapping.StatusCode);
        Assert.Contains("overlaps version 2", overlapping.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("legal_basis", "legal_basis is required")]
    [InlineData("method", "replacement_method is required")]
    [InlineData("department", "owning_department 'jj-nobody' is not a known department")]
    [InlineData("requester", "requesters: 'jj-nobody' is not a known department")]
    [InlineData("dates", "effective_until 2026-12-01 must be after effective_from 2026-12-05")]
    [InlineData("past", "effective_from 2026-11-01 is in the past")]
    [InlineData("sharing", "a data-sharing item is answered at once")]
    public async Task BadProposal_IsRefusedNamingTheProblem_AndNothingIsWritten(string problem, string message)
    {
        var spec = Spec("JJ-X-" + problem, "jj-civil-affairs", "2026-12-05");
        switch (problem)
        {
            case "legal_basis": spec.LegalBasis = ""; break;
            case "method": spec.ReplacementMethod = ReplacementMethod.Unspecified; break;
            case "department": spec.OwningDepartment = "jj-nobody"; break;
            case "requester": spec.Requesters.Add("jj-nobody"); break;
            case "dates": spec.EffectiveUntil = "2026-12-01"; break;
            case "past": spec.EffectiveFrom = "2026-11-01"; break;
            case "sharing": spec.ReplacementMethod = ReplacementMethod.DataSharing; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => Catalog.ProposeAsync(new ProposeRequest
        {
            Spec = spec, Reason = "r", DepartmentDeclared = "jj-civil-affairs", OfficerDeclared = "o",
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty((await Catalog.ListProposalsAsync(new ListProposalsRequest { IncludeDecided = true, Code = spec.Code })).Proposals);
    }

    [Fact]
    public async Task SecondPendingProposal_AndAChangeByAnotherDepartment_AreRefused()
    {
        var first = Spec("JJ-MZ-011", "jj-civil-affairs", "2026-12-02");
        await Catalog.ProposeAsync(new ProposeRequest { Spec = first, Reason = "r", DepartmentDeclared = "jj-civil-affairs", OfficerDeclared = "o" });

        var second = await Assert.ThrowsAsync<RpcException>(() => Catalog.ProposeAsync(new ProposeRequest { Spec = first, Reason = "again", DepartmentDeclared = "jj-civil-affairs", OfficerDeclared = "o" }).ResponseAsync);
        var foreign = await Assert.ThrowsAsync<RpcException>(() => Catalog.ProposeAsync(new ProposeRequest
        {
            Spec = Spec("JJ-MZ-001", "jj-civil-affairs", "2026-12-02"), Reason = "r", DepartmentDeclared = "jj-hrss", OfficerDeclared = "o",
        }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Catalog.ProposeAsync(new ProposeRequest { Spec = first, Reason = "r", DepartmentDeclared = "jj-nowhere", OfficerDeclared = "o" }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, second.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, foreign.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, unknown.StatusCode);
        Assert.Single((await Catalog.ListProposalsAsync(new ListProposalsRequest { Code = "JJ-MZ-011" })).Proposals);
    }

    [Fact]
    public async Task RepealedItem_GoesOutOfForceOnItsDay_AndLaterRequestsAreRefusedOnRecord()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), TestAgents.CivilAffairs(_directory, "ca-repeal")));
        var repeal = await Catalog.RepealAsync(new RepealRequest { Code = "JJ-MZ-001", RepealedOn = "2026-12-03", RepealingAct = "椒政发〔2026〕9号" });

        _clock.Advance(TimeSpan.FromDays(1)); // 2 December: still in force
        var dayBefore = await Verification.VerifyAsync(new VerifyRequest { Request = Request("JJ-MZ-001", ZhangWei) }, deadline: DateTime.UtcNow + Patience);
        _clock.Advance(TimeSpan.FromDays(1)); // 3 December: out of force
        var onTheDay = await Assert.ThrowsAsync<RpcException>(() => Verification.VerifyAsync(new VerifyRequest { Request = Request("JJ-MZ-001", LiNa) }).ResponseAsync);

        Assert.Equal(("2026-12-03", 2), (repeal.Spec.EffectiveUntil, repeal.Version));
        Assert.Contains("椒政发〔2026〕9号", repeal.Reason, StringComparison.Ordinal);
        Assert.Equal(Verdict.Match, dayBefore.Verdict);
        Assert.Equal(StatusCode.FailedPrecondition, onTheDay.StatusCode);
        Assert.Contains("stopped on 2026-12-03", onTheDay.Status.Detail, StringComparison.Ordinal);
        var audit = _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>();
        Assert.Contains(await audit.FindBySubjectAsync(LiNa, 50, CancellationToken.None),
            r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Refused && r.Reason!.Contains("not in force", StringComparison.Ordinal));
        Assert.DoesNotContain((await Catalog.ListItemsAsync(new ListItemsRequest())).Items, i => i.Code == "JJ-MZ-001");
    }

    [Fact]
    public async Task EachReplacementMethod_IsRoutedAsTheCatalogSays()
    {
        using var market = await RawAgentAsync("jj-market-regulation", "mr-raw", "JJ-SJ-002");
        using var health = await RawAgentAsync("jj-health", "health-raw", "JJ-WJ-001");
        using var street = await RawAgentAsync("jj-haimen-street", "street-raw", "JJ-JD-002");

        var abolished = await Assert.ThrowsAsync<RpcException>(() => Verification.SubmitAsync(new SubmitRequest { Request = Request("JJ-GA-003", LiNa) }).ResponseAsync);
        var commitment = await Verification.SubmitAsync(new SubmitRequest { Request = Request("JJ-SJ-002", LiNa) });
        var commitmentTask = await NextTaskAsync(market);
        var sharing = await Verification.SubmitAsync(new SubmitRequest { Request = Request("JJ-WJ-001", LiNa) });
        var sharingTask = await NextTaskAsync(health);
        var noLetter = await Assert.ThrowsAsync<RpcException>(() => Verification.SubmitAsync(new SubmitRequest { Request = Request("JJ-JD-002", LiNa) }).ResponseAsync);
        var withLetter = Request("JJ-JD-002", LiNa);
        withLetter.AuthorizationRef = "HM-WT-2026-0042";
        var onSite = await Verification.SubmitAsync(new SubmitRequest { Request = withLetter });
        var onSiteTask = await NextTaskAsync(street);
        // An on-site answer that does not say who checked is not an answer.
        await street.RequestStream.WriteAsync(new AgentMessage { Result = new TaskResult { RequestId = onSiteTask.RequestId, Verdict = Verdict.Match } });
        var malformed = await Assert.ThrowsAsync<RpcException>(() => street.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Patience));

        Assert.Equal(StatusCode.FailedPrecondition, abolished.StatusCode);
        Assert.Contains("abolished", abolished.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((commitment.RequestId, "jj-market-regulation", SlaClass.Records), (commitmentTask.RequestId, commitment.OwningDepartment, commitment.SlaClass));
        Assert.Equal((sharing.RequestId, SlaClass.Immediate), (sharingTask.RequestId, sharing.SlaClass));
        Assert.Equal(TimeSpan.FromMinutes(30), sharing.Deadline.ToDateTimeOffset() - sharing.AcceptedAt.ToDateTimeOffset());
        Assert.Equal(StatusCode.InvalidArgument, noLetter.StatusCode);
        Assert.Contains("authorization_ref is required", noLetter.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((onSite.RequestId, "HM-WT-2026-0042", SlaClass.OnSite), (onSiteTask.RequestId, onSiteTask.AuthorizationRef, onSite.SlaClass));
        Assert.Contains("checked_by", malformed.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnSiteCheck_WaitsOnTheStreetsWorkList_AndIsAnsweredByTheOfficerWhoMadeIt()
    {
        var street = TestAgents.HaimenStreetOnSite(_directory, "hm-onsite");
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), street));
        var request = Request("JJ-JD-002", LiNa);
        request.AuthorizationRef = "HM-WT-2026-0042";
        request.Claims["household_income"] = "低于当地低保标准";
        var receipt = await Verification.SubmitAsync(new SubmitRequest { Request = request });
        var options = new NoCertHub.Agents.Hosting.AgentOptions { Departments = { street } };
        var list = new NoCertHub.Agents.OnSite.OnSiteWorkList(street.OnSiteWorkListPath, TimeProvider.System);

        var waiting = await Poll.UntilAsync(() => list.PendingAsync(CancellationToken.None), p => p.Count == 1);
        var listed = new StringWriter();
        await NoCertHub.Agents.OnSite.OnSiteCommand.RunAsync(["list", "--department", "jj-haimen-street"], options, listed, TimeProvider.System, CancellationToken.None);
        var stillQueued = await Verification.GetAsync(new GetRequest { RequestId = receipt.RequestId });
        var answered = new StringWriter();
        var code = await NoCertHub.Agents.OnSite.OnSiteCommand.RunAsync(
            ["answer", "--department", "jj-haimen-street", "--request", receipt.RequestId, "--verdict", "match", "--field", "household_income=match", "--officer", "grid-officer-chen", "--note", "visited 2 Dec"],
            options, answered, TimeProvider.System, CancellationToken.None);
        var result = await Poll.UntilAsync(() => Verification.GetAsync(new GetRequest { RequestId = receipt.RequestId }).ResponseAsync, s => s.State == RequestState.Answered);
        var again = new StringWriter();
        var secondCode = await NoCertHub.Agents.OnSite.OnSiteCommand.RunAsync(
            ["answer", "--department", "jj-haimen-street", "--request", receipt.RequestId, "--verdict", "mismatch", "--officer", "someone"], options, again, TimeProvider.System, CancellationToken.None);

        var task = Assert.Single(waiting);
        Assert.Equal(("HM-WT-2026-0042", "低于当地低保标准"), (task.AuthorizationRef, task.Claims["household_income"]));
        Assert.Contains(receipt.RequestId, listed.ToString(), StringComparison.Ordinal);
        Assert.Contains("HM-WT-2026-0042", listed.ToString(), StringComparison.Ordinal);
        Assert.NotEqual(RequestState.Answered, stillQueued.State);
        Assert.Equal(0, code);
        Assert.Equal((Verdict.Match, "grid-officer-chen", "visited 2 Dec"), (result.Result.Verdict, result.Result.CheckedBy, result.Result.Note));
        Assert.Equal(1, secondCode);
        Assert.Contains("already answered", again.ToString(), StringComparison.Ordinal);
        var audit = _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>();
        var record = Assert.Single(await audit.FindByRequestAsync(receipt.RequestId, CancellationToken.None), r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Answered);
        Assert.Contains("checked on site by grid-officer-chen", record.AnsweringAgent, StringComparison.Ordinal);
        Assert.Empty(await list.PendingAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("JJ-GA-001", "public safety")]
    [InlineData("JJ-CZ-001", "financial security")]
    [InlineData("JJ-HB-001", "ecology")]
    [InlineData("JJ-WJ-001", "health and life")]
    [InlineData("JJ-MZ-001", "shared data")]
    [InlineData("JJ-GA-003", "abolished")]
    public async Task WrittenCommitment_IsRefusedWhereTheRegulationExcludesIt(string item, string why)
    {
        var answer = await Catalog.CheckCommitmentEligibilityAsync(new CommitmentEligibilityRequest { Subject = Person(LiNa), ItemCode = item });

        Assert.False(answer.Eligible);
        Assert.Contains(why, answer.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenCommitment_BarsTheApplicantForTwoYears_ThenExpiresOnItsOwn_AndAnOpenEndedBanEndsWhenLifted()
    {
        var before = await Eligibility(ZhangWei, "");
        var twoYears = await Catalog.RecordViolationAsync(new RecordViolationRequest
        {
            Subject = Person(ZhangWei), Reason = "premises commitment found false", StartsOn = "2026-12-01", EndsOn = "2028-12-01", Source = "椒市监处〔2026〕88号",
        });
        var inside = await Eligibility(ZhangWei, "2028-11-30");
        var after = await Eligibility(ZhangWei, "2028-12-01");
        var openEnded = await Catalog.RecordViolationAsync(new RecordViolationRequest
        {
            Subject = Person(LiNa), Reason = "serious dishonesty", StartsOn = "2026-12-01", Source = "national credit list",
        });
        var untilRepair = await Eligibility(LiNa, "2031-01-01");
        var lifted = await Catalog.LiftViolationAsync(new LiftViolationRequest { Id = openEnded.Id, LiftedOn = "2027-06-01", Reason = "credit repaired" });
        var afterRepair = await Eligibility(LiNa, "2027-06-01");
        var cannotLiftFixed = await Assert.ThrowsAsync<RpcException>(() => Catalog.LiftViolationAsync(new LiftViolationRequest { Id = twoYears.Id, Reason = "x" }).ResponseAsync);
        var endBeforeStart = await Assert.ThrowsAsync<RpcException>(() => Catalog.RecordViolationAsync(new RecordViolationRequest
        {
            Subject = Person(ZhangWei), Reason = "r", StartsOn = "2026-12-01", EndsOn = "2026-11-30", Source = "s",
        }).ResponseAsync);

        Assert.True(before.Eligible, before.Reason);
        Assert.False(inside.Eligible);
        Assert.Contains("until 2028-12-01", inside.Reason, StringComparison.Ordinal);
        Assert.Equal(twoYears.Id, Assert.Single(inside.Bans).Id);
        Assert.True(after.Eligible, after.Reason);
        Assert.False(untilRepair.Eligible);
        Assert.Contains("until their credit is repaired", untilRepair.Reason, StringComparison.Ordinal);
        Assert.Equal("2027-06-01", lifted.LiftedOn);
        Assert.True(afterRepair.Eligible, afterRepair.Reason);
        Assert.Equal(StatusCode.FailedPrecondition, cannotLiftFixed.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, endBeforeStart.StatusCode);
        Assert.Contains("not after starts_on", endBeforeStart.Status.Detail, StringComparison.Ordinal);
        // The refused ban was not half-written.
        Assert.Single((await Catalog.ListViolationsAsync(new ListViolationsRequest { Subject = Person(ZhangWei) })).Violations);
    }

    [Fact]
    public async Task Ledgers_RecordSupplementsAfterANotFound_AndVoluntaryMaterial_PerCaseAndDepartment()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), TestAgents.CivilAffairs(_directory, "ca-ledger")));
        var notFound = Request("JJ-MZ-001", NotRegistered);
        notFound.CaseNumber = "JJ-LEDGER-1";
        var missing = await Verification.VerifyAsync(new VerifyRequest { Request = notFound }, deadline: DateTime.UtcNow + Patience);
        var found = Request("JJ-MZ-001", ZhangWei);
        found.CaseNumber = "JJ-LEDGER-1";
        var matched = await Verification.VerifyAsync(new VerifyRequest { Request = found }, deadline: DateTime.UtcNow + Patience);

        var supplement = await Catalog.RecordSupplementAsync(new RecordSupplementRequest
        {
            RequestId = missing.RequestId, Material = "marriage certificate from the registry of birth", DepartmentDeclared = "jj-e2e-window", OfficerDeclared = "w-officer",
        });
        var afterMatch = await Assert.ThrowsAsync<RpcException>(() => Catalog.RecordSupplementAsync(new RecordSupplementRequest
        {
            RequestId = matched.RequestId, Material = "anything", DepartmentDeclared = "jj-e2e-window", OfficerDeclared = "w-officer",
        }).ResponseAsync);
        var otherDepartment = await Assert.ThrowsAsync<RpcException>(() => Catalog.RecordSupplementAsync(new RecordSupplementRequest
        {
            RequestId = missing.RequestId, Material = "x", DepartmentDeclared = "jj-hrss", OfficerDeclared = "h",
        }).ResponseAsync);
        var voluntary = await Catalog.RecordVoluntaryProvisionAsync(new RecordVoluntaryProvisionRequest
        {
            CaseNumber = "JJ-LEDGER-1", ItemCode = "JJ-GA-002", Subject = Person(LiNa), Material = "household register booklet (copy)", DepartmentDeclared = "jj-e2e-window", OfficerDeclared = "w-officer",
        });
        var byCase = await Catalog.ListLedgerAsync(new ListLedgerRequest { CaseNumber = "JJ-LEDGER-1" });
        var supplementsOfDepartment = await Catalog.ListLedgerAsync(new ListLedgerRequest { Department = "jj-e2e-window", Kind = LedgerKind.Supplement });

        Assert.Equal((Verdict.NotFound, Verdict.Match), (missing.Verdict, matched.Verdict));
        Assert.Equal((LedgerKind.Supplement, "JJ-LEDGER-1", "JJ-MZ-001", NotRegistered), (supplement.Kind, supplement.CaseNumber, supplement.ItemCode, supplement.Subject.Id));
        Assert.Equal(StatusCode.FailedPrecondition, afterMatch.StatusCode);
        Assert.Contains("Art. 12", afterMatch.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, otherDepartment.StatusCode);
        Assert.Equal([voluntary.Id, supplement.Id], byCase.Entries.Select(e => e.Id));
        Assert.Equal(LedgerKind.Voluntary, byCase.Entries[0].Kind);
        Assert.Equal(missing.RequestId, Assert.Single(supplementsOfDepartment.Entries).RequestId);
    }

    [Fact]
    public async Task PublicList_IsServedAsJson_ForAnyDay()
    {
        using var http = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        var today = await http.GetStringAsync(new Uri(TestHub.AddressOf(_hub), "/catalog/cancellation-list.json"));
        var back = await http.GetStringAsync(new Uri(TestHub.AddressOf(_hub), "/catalog/cancellation-list.json?on=2020-06-01"));
        var parsed = ListItemsResponse.Parser.ParseJson(today);

        Assert.Equal("2026-12-01", parsed.On);
        Assert.Contains(parsed.Items, i => i.Code == "JJ-JD-002" && i.RequiresAuthorization);
        Assert.DoesNotContain(parsed.Items, i => i.Code == "JJ-MZ-009");
        Assert.Contains(ListItemsResponse.Parser.ParseJson(back).Items, i => i.Code == "JJ-MZ-009");
    }

    public async Task DisposeAsync()
    {
        await TestHub.StopAsync(_hub);
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose()
    {
        _channel.Dispose();
        GC.SuppressFinalize(this);
    }

    private Task<CommitmentEligibility> Eligibility(string subject, string on) =>
        Catalog.CheckCommitmentEligibilityAsync(new CommitmentEligibilityRequest { Subject = Person(subject), ItemCode = "JJ-SJ-002", On = on }).ResponseAsync;

    private async Task<AsyncDuplexStreamingCall<AgentMessage, HubMessage>> RawAgentAsync(string department, string agentId, string item)
    {
        var call = new AgentService.AgentServiceClient(_channel).Connect();
        var hello = new AgentHello { Department = department, AgentId = agentId, Capacity = 4 };
        hello.ItemCodes.Add(item);
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Patience));
        Assert.Equal(HubMessage.KindOneofCase.Welcome, call.ResponseStream.Current.KindCase);
        return call;
    }

    private static async Task<VerificationTask> NextTaskAsync(AsyncDuplexStreamingCall<AgentMessage, HubMessage> call)
    {
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Patience));
        return call.ResponseStream.Current.Task;
    }

    private static Subject Person(string id) => new() { Kind = SubjectKind.Person, Id = id };

    private static CatalogItemSpec Spec(string code, string owner, string from)
    {
        var spec = new CatalogItemSpec
        {
            Code = code,
            Name = "收养登记证明 (adoption registration)",
            LegalBasis = "《中国公民收养子女登记办法》",
            ReplacementMethod = ReplacementMethod.InterDepartmentCheck,
            OwningDepartment = owner,
            SlaClass = SlaClass.Records,
            EffectiveFrom = from,
            Domain = CommitmentDomain.General,
        };
        spec.Fields.Add(["name", "premises_address"]);
        return spec;
    }

    private static VerificationRequest Request(string item, string subject)
    {
        var request = new VerificationRequest
        {
            ItemCode = item,
            Subject = Person(subject),
            CaseNumber = "JJ-CAT-" + Guid.NewGuid().ToString("N")[..6],
            Purpose = "catalog test",
            Requester = new Requester { Department = "jj-e2e-window", Window = "w1", Officer = "officer-cat" },
        };
        if (item == "JJ-MZ-001")
        {
            request.Claims["marital_status"] = "已婚";
        }

        return request;
    }
}

public sealed class CatalogOnGarnetTests(SharedGarnet redis) : CatalogTests<SharedGarnet>(redis);

public sealed class CatalogOnRedisServerTests(SharedRedisServer redis) : CatalogTests<SharedRedisServer>(redis);

public sealed class CatalogOnRedisClusterTests(SharedRedisCluster redis) : CatalogTests<SharedRedisCluster>(redis);
