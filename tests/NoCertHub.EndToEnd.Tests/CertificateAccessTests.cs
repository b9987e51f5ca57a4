extern alias hub;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Agents.Hosting;
using NoCertHub.Hosting.Pki;
using NoCertHub.Sdk;
using NoCertHub.Sdk.Seals;
using Google.Protobuf;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// The hub's doors, tried as an attacker would: a real Kestrel on TLS, a CA of the test's own made
/// the hub's only trust anchor, and real certificates for every kind of caller.
/// </summary>
[Collection(nameof(CertificateAccessTests))]
public sealed partial class CertificateAccessTests : IClassFixture<SharedGarnet>, IAsyncLifetime
{
    private const string ZhangWei = "33100219850312001X";
    private const string Window = "jj-e2e-window";
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-e2e-certs-").FullName;
    private readonly SharedGarnet _redis;
    private readonly List<IDisposable> _owned = [];
    private CertificateAuthority _ca = null!;
    private WebApplication _hub = null!;
    private Uri _address = null!;
    private X509Certificate2Collection _trusted = null!;

    public CertificateAccessTests(SharedGarnet redis) => _redis = redis;

    private string Pki => Path.Combine(_directory, "pki");

    public async Task InitializeAsync()
    {
        _ca = CertificateAuthority.Create(Pki, "NoCertHub test CA", TimeSpan.FromDays(60), notBefore: DateTimeOffset.UtcNow.AddDays(-30));
        var server = _ca.Issue(new CertificateSubject(PrincipalRole.Hub, "jj-big-data-center", "localhost"), TimeSpan.FromDays(10));
        _trusted = NoCertHubChannel.LoadAuthorities(_ca.CertificatePath);
        _hub = await TestHub.StartAsync(_directory, _redis.ConnectionString, "certs-" + Guid.NewGuid().ToString("N")[..8], port: 0, CertificateMode(server));
        _address = TestHub.AddressOf(_hub);
        Assert.Equal("https", _address.Scheme);
    }

    [Fact]
    public async Task WindowAndAgentWithTheirCertificates_AreAnswered_AndTheTrailNamesTheCertifiedOfficer()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(_address, null, _ca.CertificatePath, Certified(TestAgents.CivilAffairs(_directory, "ca-cert"))));
        using var client = WindowClient(Issue(PrincipalRole.Window, Window, "w1", officer: "officer-wang"));

        var result = await client.VerifyAsync(Marital(officer: "someone-else"));

        Assert.Equal(Verdict.Match, result.Verdict);
        var trail = await _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>().FindByRequestAsync(result.RequestId, CancellationToken.None);
        var answered = Assert.Single(trail, r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Answered);
        Assert.Equal(("officer-wang", "ca-cert"), (answered.Officer, answered.AnsweringAgent));
    }

    [Fact]
    public async Task Answers_ReachTheWindowSealedByTheDepartmentsAgent_AndTheSealIsOnTheTrail()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(_address, null, _ca.CertificatePath, Certified(TestAgents.CivilAffairs(_directory, "ca-seal"))));
        using var client = WindowClient(Issue(PrincipalRole.Window, Window, "w1", officer: "officer-wang"));

        var result = await client.VerifyAsync(Marital("officer-wang"));
        var status = await client.GetAsync(result.RequestId);
        WatchEvent watched;
        await using (var events = client.WatchAsync(Window, "w1", "0").GetAsyncEnumerator())
        {
            do
            {
                Assert.True(await events.MoveNextAsync());
            }
            while (events.Current.Result.RequestId != result.RequestId);
            watched = events.Current;
        }

        foreach (var delivered in new[] { result, status.Result, watched.Result })
        {
            var seal = delivered.SealCheck!;
            Assert.True(seal.IsValid, seal.Problem);
            Assert.Equal(("jj-civil-affairs", "ca-seal", ZhangWei), (seal.Department, seal.Agent, delivered.Subject.Id));
            Assert.Contains("CN=ca-seal", seal.Certificate!.Subject, StringComparison.Ordinal);
        }

        var altered = result.Clone();
        altered.Verdict = Verdict.Mismatch;
        var forged = client.CheckSeal(altered);
        Assert.Equal(SealStatus.Invalid, forged.Status);
        var trail = await _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>().FindByRequestAsync(result.RequestId, CancellationToken.None);
        var answered = Assert.Single(trail, r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Answered);
        Assert.Equal($"ECDSA-P256-SHA256 {result.Seal.Signature.ToBase64()} cert:{Convert.ToHexStringLower(SHA256.HashData(result.Seal.Certificate.Span))}", answered.Seal);
    }

    [Fact]
    public async Task AVerdictAlteredInRedis_AfterTheAnswer_IsReportedByTheSdkAsNotValidlySealed()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(_address, null, _ca.CertificatePath, Certified(TestAgents.CivilAffairs(_directory, "ca-redis"))));
        using var client = WindowClient(Issue(PrincipalRole.Window, Window, "w1", officer: "officer-wang"));
        var result = await client.VerifyAsync(Marital("officer-wang"));
        Assert.True(result.SealCheck!.IsValid, result.SealCheck.Problem);

        // Whoever holds the hub's Redis turns the match into a mismatch, byte for byte in the stored answer.
        var stored = result.Clone();
        var original = stored.ToByteArray();
        stored.Verdict = Verdict.Mismatch;
        var tampered = stored.ToByteArray();
        using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString))
        {
            var server = redis.GetServers()[0];
            var changed = 0;
            foreach (var key in server.Keys(pattern: "*" + result.RequestId + "*"))
            {
                var value = (byte[]?)await redis.GetDatabase().StringGetAsync(key);
                var at = value is null ? -1 : value.AsSpan().IndexOf(original);
                if (at >= 0)
                {
                    byte[] rewritten = [.. value![..at], .. tampered, .. value[(at + original.Length)..]];
                    await redis.GetDatabase().StringSetAsync(key, rewritten, StackExchange.Redis.Expiration.KeepTtl);
                    changed++;
                }
            }

            Assert.Equal(1, changed);
        }

        var status = await client.GetAsync(result.RequestId);

        Assert.Equal(Verdict.Mismatch, status.Result.Verdict);
        Assert.Equal(SealStatus.Invalid, status.Result.SealCheck!.Status);
        Assert.Contains("altered after sealing", status.Result.SealCheck.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgentSealingWithAKeyThatIsNotItsCertificates_OrNotSealingAtAll_HasItsAnswerRefused_AndTheRequestStaysOpen()
    {
        var certificate = Issue(PrincipalRole.Agent, "jj-civil-affairs", "ca-wrong-key");
        using var own = NoCertHubChannel.LoadCertificate(certificate, KeyOf(certificate));
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var window = WindowClient(Issue(PrincipalRole.Window, Window, "w1", officer: "officer-wang"));
        var cases = new (string Case, Action<TaskResult, VerificationTask> Seal, string Refusal)[]
        {
            ("a key that is not the certificate's", (r, t) => new NoCertHub.Sdk.Seals.ResultSealer(own, new OtherKey(otherKey), NoCertHub.Hosting.Seals.SealAlgorithms.EcdsaP256, "jj-civil-affairs", "ca-wrong-key", null).Seal(r, t.ItemCode, t.Subject), "its seal does not verify"),
            ("no seal", (_, _) => { }, "it is not sealed"),
            ("another agent's certificate", (r, t) =>
            {
                var other = Issue(PrincipalRole.Agent, "jj-civil-affairs", "ca-other");
                using var sealer = new NoCertHub.Sdk.Seals.ResultSealer(NoCertHubChannel.LoadCertificate(other, KeyOf(other)), "jj-civil-affairs", "ca-wrong-key");
                sealer.Seal(r, t.ItemCode, t.Subject);
            }, "sealed under a certificate other than the one this agent connected with"),
        };

        foreach (var (name, seal, refusal) in cases)
        {
            var receipt = await window.SubmitAsync(Marital("officer-wang"));
            using var channel = Channel(certificate);
            using var call = new AgentService.AgentServiceClient(channel).Connect();
            await call.RequestStream.WriteAsync(new AgentMessage { Hello = Hello("jj-civil-affairs", "ca-wrong-key", "JJ-MZ-001") });
            VerificationTask? task = null;
            while (task?.RequestId != receipt.RequestId)
            {
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None), name);
                task = call.ResponseStream.Current.Task ?? task;
            }

            var answer = new TaskResult { RequestId = task.RequestId, Verdict = Verdict.Mismatch };
            seal(answer, task);
            await call.RequestStream.WriteAsync(new AgentMessage { Result = answer });
            var refused = await Assert.ThrowsAsync<RpcException>(() => ReadToEndAsync(call.ResponseStream));
            var status = await window.GetAsync(receipt.RequestId);

            Assert.True(refused.StatusCode == StatusCode.InvalidArgument && refused.Status.Detail.Contains(refusal, StringComparison.Ordinal), $"{name}: {refused.Status}");
            Assert.NotEqual(RequestState.Answered, status.State);
        }
    }

    [Fact]
    public async Task AnOnSiteAnswer_IsSealedByTheStreetOfficesAgent_WithTheCheckingOfficerInside()
    {
        var street = Certified(TestAgents.HaimenStreetOnSite(_directory, "hm-seal"));
        await using var agents = new AgentRun(await TestAgents.StartAsync(_address, null, _ca.CertificatePath, street));
        using var client = WindowClient(Issue(PrincipalRole.Window, Window, "w1", officer: "officer-wang"));
        var request = Marital("officer-wang");
        request.ItemCode = "JJ-JD-002";
        request.AuthorizationRef = "HM-WT-2026-0077";
        request.Claims.Clear();
        request.Claims["household_income"] = "低于当地低保标准";
        var receipt = await client.SubmitAsync(request);
        var list = new NoCertHub.Agents.OnSite.OnSiteWorkList(street.OnSiteWorkListPath, TimeProvider.System);
        await Poll.UntilAsync(() => list.PendingAsync(CancellationToken.None), p => p.Count == 1);

        await list.AnswerAsync(receipt.RequestId, "match", "grid-officer-chen", new Dictionary<string, string> { ["household_income"] = "match" }, new Dictionary<string, string>(), "visited 3 Dec", CancellationToken.None);
        var status = await Poll.UntilAsync(() => client.GetAsync(receipt.RequestId), s => s.State == RequestState.Answered);

        var seal = status.Result.SealCheck!;
        Assert.True(seal.IsValid, seal.Problem);
        Assert.Equal(("jj-haimen-street", "hm-seal", "grid-officer-chen"), (seal.Department, seal.Agent, seal.CheckedBy));
        var altered = status.Result.Clone();
        altered.CheckedBy = "grid-officer-someone-else";
        Assert.Equal(SealStatus.Invalid, client.CheckSeal(altered).Status);
    }

    [Fact]
    public async Task AnswersJustGiven_AreInTheJointOfficesEvaluation_WhichOnlyTheJointOfficeReads_AsRpcOrSignedReport()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(_address, null, _ca.CertificatePath, Certified(TestAgents.CivilAffairs(_directory, "ca-eval"))));
        using var window = WindowClient(Issue(PrincipalRole.Window, Window, "w1", officer: "officer-wang"));
        var office = new EvaluationService.EvaluationServiceClient(Channel(Issue(PrincipalRole.JointOffice, "jj-joint-office", "jo-eval", officer: "officer-li")));
        var asWindow = new EvaluationService.EvaluationServiceClient(Channel(Issue(PrincipalRole.Window, Window, "w1", officer: "officer-wang")));
        var period = new DepartmentReportRequest
        {
            Department = "jj-civil-affairs",
            From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
            To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
        };
        var before = (await office.GetDepartmentReportAsync(period)).Departments.SingleOrDefault()?.Answered ?? 0;

        await window.VerifyAsync(Marital(officer: "officer-wang"));
        await window.VerifyAsync(Marital(officer: "officer-wang"));
        var after = Assert.Single((await office.GetDepartmentReportAsync(period)).Departments);
        var refused = await Assert.ThrowsAsync<RpcException>(() => asWindow.GetDepartmentReportAsync(period).ResponseAsync);
        var noPeriod = await Assert.ThrowsAsync<RpcException>(() => office.GetDepartmentReportAsync(new DepartmentReportRequest()).ResponseAsync);

        Assert.Equal(before + 2, after.Answered);
        Assert.Equal(after.Answered, after.AnsweredOnTime);
        Assert.Contains(after.OnTimeByClass, c => c.SlaClass == SlaClass.Immediate && c.Rate == 1.0);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, noPeriod.StatusCode);
        Assert.Contains("from and to", noPeriod.Status.Detail, StringComparison.Ordinal);

        // The month's signed report, served to the joint office's certificate on the hub's TLS port; not to a window's.
        var reports = _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Evaluation.EvaluationReports>();
        var (year, month) = reports.LastFinishedMonth();
        await reports.WriteMonthAsync(year, month, CancellationToken.None);
        var name = $"report-{year:0000}-{month:00}";
        using var officeHttp = Https(Issue(PrincipalRole.JointOffice, "jj-joint-office", "jo-web", officer: "officer-li"));
        using var windowHttp = Https(Issue(PrincipalRole.Window, Window, "w-web", officer: "officer-wang"));
        using var listed = await officeHttp.GetAsync(new Uri(_address, "/reports"));
        using var page = await officeHttp.GetAsync(new Uri(_address, $"/reports/{name}.html"));
        using var escape = await officeHttp.GetAsync(new Uri(_address, "/reports/..%2Faudit.db"));
        using var forbidden = await windowHttp.GetAsync(new Uri(_address, $"/reports/{name}.html"));

        Assert.Contains($"\"{year:0000}-{month:00}\"", await listed.EnsureSuccessStatusCode().Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("text/html", page.EnsureSuccessStatusCode().Content.Headers.ContentType?.MediaType);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, escape.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Callers_WithoutAValidCertificate_AreUnauthenticated_WithAReason_AndOnTheTrail()
    {
        var otherCa = CertificateAuthority.Create(Path.Combine(_directory, "other-ca"), "someone else's CA", TimeSpan.FromDays(30));
        var foreign = otherCa.Issue(new CertificateSubject(PrincipalRole.Window, Window, "w1"), TimeSpan.FromDays(5));
        var expired = _ca.Issue(new CertificateSubject(PrincipalRole.Window, Window, "w-expired"), TimeSpan.FromDays(1), notBefore: DateTimeOffset.UtcNow.AddDays(-3));
        var revoked = Issue(PrincipalRole.Window, Window, "w-revoked");
        _ca.Revoke(revoked);
        var unknownDepartment = Issue(PrincipalRole.Window, "jj-no-such-office", "w1");

        var cases = new (string? Certificate, string Reason)[]
        {
            (null, "no client certificate"),
            (foreign, "does not chain to the district's CA"),
            (expired, "expired"),
            (revoked, "revoked"),
            (NoDepartment(), "names no department"),
            (unknownDepartment, "jj-no-such-office"),
        };
        foreach (var (certificate, reason) in cases)
        {
            using var channel = Channel(certificate);
            var refused = await Assert.ThrowsAsync<RpcException>(() => new VerificationService.VerificationServiceClient(channel)
                .SubmitAsync(new SubmitRequest { Request = Marital("officer-x") }).ResponseAsync);
            Assert.True(refused.StatusCode == StatusCode.Unauthenticated && refused.Status.Detail.Contains(reason, StringComparison.Ordinal),
                $"{certificate ?? "no certificate"}: expected Unauthenticated with '{reason}', got {refused.Status}");
        }

        var trail = await _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>()
            .SearchAsync(new hub::NoCertHub.Hub.Audit.AuditQuery(null, null, null, null, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), long.MaxValue, 100), CancellationToken.None);
        Assert.Equal(cases.Length, trail.Count(r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Refused && r.Reason!.StartsWith("Unauthenticated", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task WindowOfOneDepartment_SubmittingAsAnother_OrForAnotherWindow_IsPermissionDenied_OnTheTrail()
    {
        var client = new VerificationService.VerificationServiceClient(Channel(Issue(PrincipalRole.Window, "jj-admin-service-center", "w1", "officer-li")));

        var asOther = await Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(new SubmitRequest { Request = Marital("officer-li") }).ResponseAsync);
        var request = Marital("officer-li");
        request.Requester.Department = "jj-admin-service-center";
        request.Requester.Window = "w9";
        var otherWindow = await Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(new SubmitRequest { Request = request }).ResponseAsync);

        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (asOther.StatusCode, otherWindow.StatusCode));
        Assert.Contains("does not match the department 'jj-admin-service-center'", asOther.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("'w1' the caller's certificate", otherWindow.Status.Detail, StringComparison.Ordinal);
        var trail = await _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>().FindBySubjectAsync(ZhangWei, 50, CancellationToken.None);
        Assert.Contains(trail, r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Refused && r.Officer == "officer-li" && r.Reason!.Contains("PermissionDenied", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agents_MayRegisterOnlyForTheirCertificatesDepartmentAndId_AndWindowsNotAtAll()
    {
        var civilAffairs = Issue(PrincipalRole.Agent, "jj-civil-affairs", "ca-1");
        var cases = new (string Certificate, AgentHello Hello, StatusCode Status, string Reason)[]
        {
            // An agent certificate of civil affairs registering as public security.
            (civilAffairs, Hello("jj-public-security", "ca-1", "JJ-GA-001"), StatusCode.PermissionDenied, "may not register as jj-public-security's agent"),
            // The right department under another agent's id.
            (civilAffairs, Hello("jj-civil-affairs", "civil-affairs-01", "JJ-MZ-001"), StatusCode.PermissionDenied, "not the agent 'ca-1'"),
            // A window's certificate registering as an agent.
            (Issue(PrincipalRole.Window, "jj-public-security", "w1"), Hello("jj-public-security", "w1", "JJ-GA-001"), StatusCode.PermissionDenied, "may not call /nocert.v1.AgentService/Connect"),
        };
        foreach (var (certificate, hello, status, reason) in cases)
        {
            using var channel = Channel(certificate);
            using var call = new AgentService.AgentServiceClient(channel).Connect();
            try
            {
                await call.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
            }
            catch (RpcException)
            {
                // Refused before the hello was read; the status is read below.
            }

            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.True(refused.StatusCode == status && refused.Status.Detail.Contains(reason, StringComparison.Ordinal), $"{hello}: expected {status} '{reason}', got {refused.Status}");
        }
    }

    [Fact]
    public async Task CertifiedAgent_AnsweringATaskItWasNotGiven_IsRefused()
    {
        using var channel = Channel(Issue(PrincipalRole.Agent, "jj-civil-affairs", "ca-rogue"));
        using var call = new AgentService.AgentServiceClient(channel).Connect();
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = Hello("jj-civil-affairs", "ca-rogue", "JJ-MZ-001") });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.NotNull(call.ResponseStream.Current.Welcome);

        await call.RequestStream.WriteAsync(new AgentMessage { Result = new TaskResult { RequestId = "r00-" + new string('0', 32), Verdict = Verdict.Match } });

        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains("not assigned to this agent", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchAndGet_OfAnotherWindow_AreRefused_AndTheOwnWindowsReadsAreOnTheTrail()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(_address, null, _ca.CertificatePath, Certified(TestAgents.CivilAffairs(_directory, "ca-read"))));
        using var own = WindowClient(Issue(PrincipalRole.Window, Window, "w1", "officer-zhou"));
        var result = await own.VerifyAsync(Marital("officer-zhou"));
        using var otherChannel = Channel(Issue(PrincipalRole.Window, "jj-admin-service-center", "w1", "officer-nosy"));
        var other = new VerificationService.VerificationServiceClient(otherChannel);

        var get = await Assert.ThrowsAsync<RpcException>(() => other.GetAsync(new GetRequest { RequestId = result.RequestId }).ResponseAsync);
        using var watch = other.Watch(new WatchRequest { Department = Window, Window = "w1", Cursor = "0" });
        var watched = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(CancellationToken.None));
        var status = await own.GetAsync(result.RequestId);
        await using (var events = own.WatchAsync(Window, "w1", "0").GetAsyncEnumerator())
        {
            Assert.True(await events.MoveNextAsync());
            Assert.Equal(result.RequestId, events.Current.Result.RequestId);
        }

        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (get.StatusCode, watched.StatusCode));
        Assert.Equal(Verdict.Match, status.Result.Verdict);
        var audit = _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>();
        var reads = (await audit.SearchAsync(new hub::NoCertHub.Hub.Audit.AuditQuery(null, "officer-zhou", null, null, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), long.MaxValue, 100), CancellationToken.None))
            .Where(r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Read).ToList();
        Assert.Contains(reads, r => r.Reason == "get" && r.RequestId == result.RequestId && r.SubjectId == ZhangWei);
        Assert.Contains(reads, r => r.Reason == "watch from cursor 0" && r.Window == "w1");
        Assert.DoesNotContain(reads, r => r.Officer == "officer-nosy");
        // The attempts themselves are on the trail: who tried to read whose window.
        var tried = (await audit.SearchAsync(new hub::NoCertHub.Hub.Audit.AuditQuery(null, "officer-nosy", null, null, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), long.MaxValue, 100), CancellationToken.None))
            .Where(r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Refused).Select(r => r.Reason).ToList();
        Assert.Contains(tried, r => r!.StartsWith("PermissionDenied: window w1 of jj-admin-service-center may not watch", StringComparison.Ordinal));
        Assert.Contains(tried, r => r!.StartsWith($"PermissionDenied: window w1 of jj-admin-service-center may not read request {result.RequestId}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_OfAHugeWindowName_IsRefused_BeforeAnythingIsKeptForIt()
    {
        var client = new VerificationService.VerificationServiceClient(Channel(Issue(PrincipalRole.Window, Window, "w1", "officer-a")));

        // 100 characters are too many for a window name; 200,000 fit in a message (Hub:MaxMessageBytes,
        // 256 KB) but in no field of any request; a megabyte is not read at all.
        using var watch = client.Watch(new WatchRequest { Department = Window, Window = new string('w', 100), Cursor = "0" });
        var refused = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(CancellationToken.None));
        using var huge = client.Watch(new WatchRequest { Department = Window, Window = new string('w', 200_000), Cursor = "0" });
        var unread = await Assert.ThrowsAsync<RpcException>(() => huge.ResponseStream.MoveNext(CancellationToken.None));
        using var megabyte = client.Watch(new WatchRequest { Department = Window, Window = new string('w', 1_000_000), Cursor = "0" });
        var tooLarge = await Assert.ThrowsAsync<RpcException>(() => megabyte.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal("window is longer than 64 characters", refused.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, unread.StatusCode);
        Assert.Equal("window is longer than 4096 characters", unread.Status.Detail);
        Assert.Equal(StatusCode.ResourceExhausted, tooLarge.StatusCode);
    }

    [Fact]
    public async Task JointOfficeApis_AndEligibility_AdmitOnlyTheirRoles()
    {
        using var windowChannel = Channel(Issue(PrincipalRole.Window, Window, "w1", "officer-a"));
        using var agentChannel = Channel(Issue(PrincipalRole.Agent, "jj-civil-affairs", "ca-9"));
        using var jointChannel = Channel(Issue(PrincipalRole.JointOffice, "jj-joint-office", "officer-li"));

        var oversight = await Assert.ThrowsAsync<RpcException>(() => new OversightService.OversightServiceClient(windowChannel).ListEscalationsAsync(new ListEscalationsRequest()).ResponseAsync);
        var search = await Assert.ThrowsAsync<RpcException>(() => new AuditService.AuditServiceClient(windowChannel).SearchAsync(new AuditSearchRequest { SubjectId = ZhangWei, Purpose = "curious" }).ResponseAsync);
        var eligibility = await Assert.ThrowsAsync<RpcException>(() => new CatalogService.CatalogServiceClient(agentChannel)
            .CheckCommitmentEligibilityAsync(new CommitmentEligibilityRequest { ItemCode = "JJ-MZ-001", Subject = new Subject { Kind = SubjectKind.Person, Id = ZhangWei } }).ResponseAsync);
        var listed = await new OversightService.OversightServiceClient(jointChannel).ListEscalationsAsync(new ListEscalationsRequest());
        var eligible = await new CatalogService.CatalogServiceClient(windowChannel)
            .CheckCommitmentEligibilityAsync(new CommitmentEligibilityRequest { ItemCode = "JJ-MZ-001", Subject = new Subject { Kind = SubjectKind.Person, Id = ZhangWei } });

        Assert.Equal([StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied], new[] { oversight.StatusCode, search.StatusCode, eligibility.StatusCode });
        Assert.Contains("may not call /nocert.v1.OversightService/ListEscalations", oversight.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(listed);
        Assert.False(string.IsNullOrEmpty(eligible.Reason) && !eligible.Eligible);
        var checkedBy = await _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>().FindBySubjectAsync(ZhangWei, 50, CancellationToken.None);
        Assert.Contains(checkedBy, r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Read && r.Officer == "officer-a" && r.Reason!.StartsWith("commitment eligibility", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await TestHub.StopAsync(_hub);
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    // A hub in certificate mode with this test's CA, serving with the certificate `server`.
    private Dictionary<string, string?> CertificateMode(string server) => new()
    {
        ["Security:Mode"] = "Certificates",
        ["Security:CaBundle"] = _ca.CertificatePath,
        ["Security:RevocationList"] = _ca.RevocationListPath,
        ["Security:ServerCertificate"] = server,
        ["Security:ServerKey"] = KeyOf(server),
    };

    private string Issue(PrincipalRole role, string department, string name, string? officer = null) =>
        _ca.Issue(new CertificateSubject(role, department, name, officer), TimeSpan.FromDays(5));

    private static string KeyOf(string certificate) => CertificateAuthority.KeyPathOf(certificate);

    private GrpcChannel Channel(string? certificate)
    {
        var channel = NoCertHubChannel.ForAddress(_address, certificate is null ? null : NoCertHubChannel.LoadCertificate(certificate, KeyOf(certificate)), _trusted);
        _owned.Add(channel);
        return channel;
    }

    // Plain HTTPS with a client certificate, as a browser holding it would ask; the hub's own
    // certificate is accepted when it chains to the test CA.
    private HttpClient Https(string? certificate, bool http11 = false)
    {
        var handler = new SocketsHttpHandler();
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [NoCertHubChannel.LoadCertificate(certificate, KeyOf(certificate))];
        }

        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, errors) =>
            server is not null && (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) == System.Net.Security.SslPolicyErrors.None
            && _trusted.Cast<X509Certificate2>().Any(ca => new X509Certificate2(server).Issuer == ca.Subject);
        return http11
            ? new HttpClient(handler) { DefaultRequestVersion = System.Net.HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact }
            : new HttpClient(handler) { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrHigher };
    }

    private NoCertHubClient WindowClient(string certificate) => new(new NoCertHubClientOptions
    {
        Address = _address,
        ClientCertificate = NoCertHubChannel.LoadCertificate(certificate, KeyOf(certificate)),
        TrustedAuthorities = _trusted,
        VerifyTimeout = TimeSpan.FromSeconds(20),
    });

    private DepartmentAgentOptions Certified(DepartmentAgentOptions agent)
    {
        var certificate = Issue(PrincipalRole.Agent, agent.Department, agent.AgentId!);
        agent.Certificate = certificate;
        agent.CertificateKey = KeyOf(certificate);
        return agent;
    }

    // A certificate of the right CA whose subject names no department (no OU).
    private string NoDepartment()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=w1, O=Jiaojiang District, T=window", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], true));
        using var issued = request.Create(_ca.Certificate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(12));
        var path = Path.Combine(Pki, "no-department.pem");
        File.WriteAllText(path, issued.ExportCertificatePem());
        File.WriteAllText(KeyOf(path), key.ExportPkcs8PrivateKeyPem());
        return path;
    }

    // Bounded: a hub that wrongly keeps the stream open fails the test instead of hanging it.
    private static async Task ReadToEndAsync(IAsyncStreamReader<HubMessage> stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (await stream.MoveNext(timeout.Token))
        {
        }
    }

    /// <summary>Signs with a key of its own: an agent whose sealing key is not its certificate's.</summary>
    private sealed class OtherKey(ECDsa key) : NoCertHub.Hosting.Seals.ISealSigner
    {
        public byte[] Sign(ReadOnlySpan<byte> content) => key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        public void Dispose()
        {
        }
    }

    private static AgentHello Hello(string department, string agentId, string item)
    {
        var hello = new AgentHello { Department = department, AgentId = agentId, Capacity = 4 };
        hello.ItemCodes.Add(item);
        return hello;
    }

    private static VerificationRequest Marital(string officer)
    {
        var request = new VerificationRequest
        {
            ItemCode = "JJ-MZ-001",
            Subject = new Subject { Kind = SubjectKind.Person, Id = ZhangWei },
            CaseNumber = "JJ-CERT-" + Guid.NewGuid().ToString("N")[..6],
            Purpose = "marriage registration",
            Requester = new Requester { Department = Window, Window = "w1", Officer = officer },
        };
        request.Claims["marital_status"] = "已婚";
        return request;
    }
}
