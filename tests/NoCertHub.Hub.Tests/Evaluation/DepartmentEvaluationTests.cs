using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Complaints;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Evaluation;
using NoCertHub.Hub.Tests.Audit;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Hub.Tests.Evaluation;

/// <summary>
/// The evaluation over a crafted month whose every figure is known in advance, written through the
/// real stores (the audit chain with its answers' facts, the trail's refusals, the ledgers,
/// complaints, misuse findings) on SQLite; then the signed report: it verifies, and a changed
/// number does not.
/// </summary>
public sealed class DepartmentEvaluationTests : IAsyncLifetime, IDisposable
{
    private const string Civil = "jj-civil-affairs";
    private const string Police = "jj-public-security";
    private static readonly TimeSpan District = TimeSpan.FromHours(8);
    private static readonly DateTimeOffset November = new(2026, 11, 1, 0, 0, 0, District);
    private static readonly DateTimeOffset December = November.AddMonths(1);

    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-evaluation-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.Zero));
    private SqliteAudit _audit = null!;
    private SqlCatalogStore _catalog = null!;
    private ComplaintStore _complaints = null!;
    private AuditKeys _keys = null!;
    private EvaluationReports _reports = null!;

    public async Task InitializeAsync()
    {
        _audit = new SqliteAudit($"Data Source={Path.Combine(_directory, "audit.db")};Pooling=False", AuditWriterTests.Chain);
        await _audit.Database.EnsureSchemaAsync(CancellationToken.None);
        _catalog = new SqlCatalogStore(new SqliteCatalogDialect(), $"Data Source={Path.Combine(_directory, "catalog.db")};Pooling=False");
        await _catalog.EnsureSchemaAsync(CancellationToken.None);
        _complaints = new ComplaintStore(new SqliteComplaintDialect(), $"Data Source={Path.Combine(_directory, "complaints.db")};Pooling=False");
        _keys = new AuditKeys(Options.Create(new AuditOptions
        {
            SubjectKeyPath = Path.Combine(_directory, "keys", "subject.key"),
            SigningKeyPath = Path.Combine(_directory, "keys", "signing.pem"),
        }));
        _reports = new EvaluationReports(new EvaluationSources(_audit.Database, _audit.Search, _catalog, _complaints), _keys,
            Options.Create(new EvaluationOptions { ReportDirectory = Path.Combine(_directory, "reports") }), Options.Create(new SlaOptions()), _clock);
        await CraftNovemberAsync();
    }

    [Fact]
    public async Task AnsweringFigures_AreThoseOfTheCraftedMonth()
    {
        var report = await _reports.EvaluateAsync(null, November, December, CancellationToken.None);
        var civil = report.Departments.Single(d => d.Department == Civil);

        // 10 answers of 1..10 s and one received in October answered after 5 s (Immediate, 30 min
        // allowed); one Records request answered after 13 h, one after 2 days (1 day allowed).
        Assert.Equal(12, civil.Received);
        Assert.Equal(13, civil.Answered);
        Assert.Equal(12, civil.AnsweredOnTime);
        Assert.Equal(1, civil.Overdue);
        Assert.Equal(24.0, civil.OverdueHours);
        Assert.Equal(6.0, civil.AnswerSecondsP50);
        Assert.Equal(13 * 3600.0, civil.AnswerSecondsP90);
        Assert.Equal(48 * 3600.0, civil.AnswerSecondsP99);
        Assert.Equal(11, civil.AnsweredWithinHalf);
        Assert.Equal(
            [(SlaClass.Immediate, 11L, 11L, 1.0), (SlaClass.Records, 2L, 1L, 0.5)],
            civil.OnTimeByClass.Select(c => (c.SlaClass, c.Answered, c.OnTime, c.Rate)));
        Assert.Equal([1.0, 0.0, 1.0, -1.0, -1.0], civil.OnTimeByWeek);
        // 1..10 s and 5 s; 10 s; 13 h; 2 days.
        Assert.Equal([0L, 10, 1, 0, 0, 0, 1, 1], civil.AnswerTimeDistribution.Select(b => b.Count));
        Assert.Equal(5, report.Weeks.Count);
    }

    [Fact]
    public async Task RequestingFigures_LedgersComplaintsFindingsAndScore_AreThoseOfTheCraftedMonth()
    {
        var report = await _reports.EvaluateAsync(null, November, December, CancellationToken.None);
        var civil = report.Departments.Single(d => d.Department == Civil);
        var police = report.Departments.Single(d => d.Department == Police);

        // The police asked for all 13 of civil affairs' answers, and were refused 4 times: 3 for an item out of force.
        Assert.Equal(17, police.RequestsMade);
        Assert.Equal(3, police.RequestsForItemsOutOfForce);
        Assert.Equal([(DepartmentEvaluator.OutOfForce, 3L), ("invalid request", 1L)], police.RefusalsByReason.Select(r => (r.Key, r.Count)));
        Assert.Equal(2, civil.RequestsMade);
        Assert.Empty(civil.RefusalsByReason);
        Assert.Equal((2L, 1L), (civil.SupplementsRequested, civil.VoluntaryProvisions));
        Assert.Equal((3L, 1L), (civil.Complaints, civil.ComplaintsUpheld));
        Assert.Equal([("cancelled certificate demanded", 2L), ("check overdue", 1L)], civil.ComplaintsByKind.Select(k => (k.Key, k.Count)));
        Assert.Equal((1L, 1L), (police.Complaints, police.ComplaintsUpheld));
        Assert.Equal((2L, 2L, 1L), (police.MisuseFindings, police.MisuseFindingsClosed, police.MisuseFindingsUpheld));
        Assert.Equal(0, civil.MisuseFindings);

        // Civil affairs: 50 × 12/13 + 20 × 11/13 + 10 × 1 + 10 × (1 − 0.2) + 10 × 1, components to 4 places.
        Assert.Equal((0.9231, 0.8462, 1.0, 0.8, 1.0), (civil.Components.OnTime, civil.Components.Speed, civil.Components.Requests, civil.Components.Complaints, civil.Components.Misuse));
        Assert.Equal(91.08, civil.Score, 3);
        // The police: 50 + 20 + 10 × (1 − 3/17) + 10 × 0.8 + 10 × (1 − 0.25).
        Assert.Equal((1.0, 1.0, 0.8235, 0.8, 0.75), (police.Components.OnTime, police.Components.Speed, police.Components.Requests, police.Components.Complaints, police.Components.Misuse));
        Assert.InRange(police.Score, 93.73, 93.74);
        Assert.Equal([Police, Civil], report.Departments.Select(d => d.Department));
        Assert.Equal([1, 2], report.Departments.Select(d => d.Rank));
    }

    [Fact]
    public async Task OneDepartment_IsThatDepartmentAlone_WithItsRankAmongAll()
    {
        var report = await _reports.EvaluateAsync(Civil, November, December, CancellationToken.None);

        Assert.Equal(Civil, Assert.Single(report.Departments).Department);
        Assert.Equal(2, report.Departments[0].Rank);
    }

    [Fact]
    public async Task SignedReport_Verifies_AndAChangedNumberDoesNot()
    {
        var path = await _reports.WriteMonthAsync(2026, 11, CancellationToken.None);
        var json = await File.ReadAllTextAsync(path);
        var signature = await File.ReadAllTextAsync(path + ".sig");
        var html = await File.ReadAllTextAsync(Path.ChangeExtension(path, ".html"));

        var genuine = ReportSigner.Verify(Encoding.UTF8.GetBytes(json), signature, _keys.PublicKeyPem);
        var changedJson = json.Replace("\"answered\": \"13\"", "\"answered\": \"14\"", StringComparison.Ordinal);
        var changed = ReportSigner.Verify(Encoding.UTF8.GetBytes(changedJson), signature, _keys.PublicKeyPem);
        using var otherKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var wrongKey = ReportSigner.Verify(Encoding.UTF8.GetBytes(json), signature, otherKey.ExportSubjectPublicKeyInfoPem());

        Assert.True(genuine.Valid, genuine.Why);
        Assert.NotEqual(json, changedJson);
        Assert.False(changed.Valid);
        Assert.Contains("changed after signing", changed.Why, StringComparison.Ordinal);
        Assert.False(wrongKey.Valid);
        Assert.Equal(["2026-11"], _reports.List());
        Assert.Contains("Department evaluation, 2026-11", html, StringComparison.Ordinal);
        Assert.Contains("id=\"on-time-chart\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Null(_reports.FileOf("../audit.db"));
        Assert.Null(_reports.FileOf("report-2026-11.json/../../audit.db"));
        Assert.NotNull(_reports.FileOf("report-2026-11.html"));
    }

    [Fact]
    public async Task ReportPage_LoadsInHeadlessChromium_WithoutErrors_AndShowsTheLeagueTableAndCharts()
    {
        var path = await _reports.WriteMonthAsync(2026, 11, CancellationToken.None);
        var page = new Uri(Path.ChangeExtension(path, ".html"));

        var rendered = await HeadlessChromium.RenderAsync(page, """
            ({
              title: document.title,
              rows: [...document.querySelectorAll('table')[0].querySelectorAll('tbody tr')].map(r => r.cells[1].textContent),
              charts: [...document.querySelectorAll('svg.chart')].map(c => ({ id: c.id, width: c.getBoundingClientRect().width, shapes: c.querySelectorAll('rect, polyline, circle').length })),
            })
            """, TimeSpan.FromSeconds(60));
        // Where the closing note and docs/evaluation.md point: the screenshot of this run.
        var screenshot = Path.Combine(RepositoryRoot(), "TestResults", "report-2026-11.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await File.WriteAllBytesAsync(screenshot, rendered.Screenshot);

        Assert.Empty(rendered.Errors);
        Assert.Equal("NoCertHub department evaluation 2026-11", rendered.Evaluated!["title"]!.GetValue<string>());
        Assert.Equal([Police, Civil], rendered.Evaluated["rows"]!.AsArray().Select(r => r!.GetValue<string>()));
        var charts = rendered.Evaluated["charts"]!.AsArray();
        Assert.Equal(["on-time-chart", "answer-time-chart", "complaints-chart"], charts.Select(c => c!["id"]!.GetValue<string>()));
        Assert.All(charts, c => Assert.True(c!["width"]!.GetValue<double>() > 500 && c["shapes"]!.GetValue<int>() > 2, c.ToJsonString()));
        // A PNG, and not a blank one: more than a few kilobytes of drawn page.
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], rendered.Screenshot.Take(4));
        Assert.True(rendered.Screenshot.Length > 20_000, $"screenshot of {rendered.Screenshot.Length} bytes");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _keys?.Dispose();
        _complaints?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static string RepositoryRoot()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "NoCertHub.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("the repository root (NoCertHub.sln) was not found above the test's folder");
        }

        return root;
    }

    private static DateTimeOffset Day(int day, int hour = 10) => new(2026, 11, day, hour, 0, 0, District);

    private async Task CraftNovemberAsync()
    {
        var records = new List<AuditRecord>();
        var n = 0;
        void Answer(string answering, string requester, SlaClass sla, DateTimeOffset received, TimeSpan allowed, TimeSpan took)
        {
            var answered = received + took;
            records.Add(new AuditRecord
            {
                RecordedAt = answered,
                Kind = took > allowed ? AuditKind.Late : AuditKind.Answered,
                RequestId = $"r01-{++n:x32}",
                ItemCode = "item-1",
                RequesterDepartment = requester,
                Officer = "officer-wang",
                AnsweringDepartment = answering,
                Verdict = "Match",
                HubInstance = "hub-test",
                Late = took > allowed,
                Timing = new AnswerTiming((int)sla, received, received + allowed),
            });
        }

        var immediate = TimeSpan.FromMinutes(30);
        Answer(Civil, Police, SlaClass.Immediate, November - TimeSpan.FromSeconds(2), immediate, TimeSpan.FromSeconds(5));
        for (var s = 1; s <= 10; s++)
        {
            Answer(Civil, Police, SlaClass.Immediate, Day(3), immediate, TimeSpan.FromSeconds(s));
        }

        Answer(Civil, Police, SlaClass.Records, Day(8, 9), TimeSpan.FromDays(1), TimeSpan.FromDays(2));
        Answer(Civil, Police, SlaClass.Records, Day(15, 20), TimeSpan.FromDays(1), TimeSpan.FromHours(13));
        Answer(Police, Civil, SlaClass.OnSite, Day(20), TimeSpan.FromDays(2), TimeSpan.FromHours(1));
        Answer(Police, Civil, SlaClass.OnSite, Day(21), TimeSpan.FromDays(2), TimeSpan.FromHours(1));
        // Outside the period: answered in December, and in October.
        Answer(Civil, Police, SlaClass.Immediate, December + TimeSpan.FromHours(1), immediate, TimeSpan.FromSeconds(3));
        Answer(Civil, Police, SlaClass.Immediate, November - TimeSpan.FromDays(3), immediate, TimeSpan.FromSeconds(3));

        foreach (var (day, reason) in new[]
        {
            (4, "FailedPrecondition: item cert-marriage (Marriage certificate) is not in force on 2026-11-04 (Art. 6)"),
            (5, "FailedPrecondition: item cert-marriage (Marriage certificate) is not in force on 2026-11-05 (Art. 6)"),
            (6, "FailedPrecondition: item cert-residence (Residence certificate) is not in force on 2026-11-06 (Art. 6)"),
            (7, "InvalidArgument: subject.id is required"),
        })
        {
            records.Add(new AuditRecord { RecordedAt = Day(day), Kind = AuditKind.Refused, RequesterDepartment = Police, Officer = "officer-wang", HubInstance = "hub-test", Reason = reason });
        }

        records.Add(new AuditRecord { RecordedAt = new DateTimeOffset(2026, 10, 30, 10, 0, 0, District), Kind = AuditKind.Refused, RequesterDepartment = Police, HubInstance = "hub-test", Reason = "InvalidArgument: x" });
        await _audit.Chain.AppendAsync(records, CancellationToken.None);

        async Task Ledger(LedgerKind kind, string department, DateTimeOffset at) =>
            await _catalog.AddLedgerAsync(new LedgerRecord(0, kind, department, "case-1", null, "item-1", null, null, "household register", null, "officer-li", at), CancellationToken.None);
        await Ledger(LedgerKind.Supplement, Civil, Day(9));
        await Ledger(LedgerKind.Supplement, Civil, Day(10));
        await Ledger(LedgerKind.Voluntary, Civil, Day(11));
        await Ledger(LedgerKind.Supplement, Civil, new DateTimeOffset(2026, 10, 12, 10, 0, 0, District));

        async Task Complaint(string department, ComplaintKind kind, DateTimeOffset at, ComplaintFinding? finding)
        {
            var id = await _complaints.AddAsync(new ComplaintRecord
            {
                Channel = 2, Kind = (int)kind, Department = department, Text = "crafted", ReceivedAtUnixMs = at.ToUnixTimeMilliseconds(),
                ReceivedBy = "operator-chen", ReceivedThrough = "jj-admin-service-center", DueAtUnixMs = at.AddDays(15).ToUnixTimeMilliseconds(), State = "received",
            }, CancellationToken.None);
            if (finding is { } f)
            {
                await _complaints.AssignAsync(id, "officer-wu", "officer-li", at.AddDays(1), CancellationToken.None);
                await _complaints.ResolveAsync(id, (int)f, "looked into it", "officer-wu", at.AddDays(2), CancellationToken.None);
            }
        }

        await Complaint(Civil, ComplaintKind.CancelledCertificateDemanded, Day(12), ComplaintFinding.Upheld);
        await Complaint(Civil, ComplaintKind.CancelledCertificateDemanded, Day(13), ComplaintFinding.NotUpheld);
        await Complaint(Civil, ComplaintKind.CheckOverdue, Day(14), null);
        await Complaint(Police, ComplaintKind.DataMisuse, Day(14), ComplaintFinding.Upheld);
        await Complaint(Civil, ComplaintKind.Other, new DateTimeOffset(2026, 10, 14, 10, 0, 0, District), null);

        var findings = _audit.Findings;
        await findings.AddAsync(new MisuseFindingRecord { Rule = "off_hours", Officer = "officer-wang", Day = "2026-11-16", Detail = "crafted", Count = 3, FoundAt = Day(17) }, CancellationToken.None);
        var found = await findings.ListAsync(includeClosed: false, null, null, 10, CancellationToken.None);
        await findings.CloseAsync(found.Single().Id, upheld: true, "looked up a neighbour's record for no case", "officer-li", Day(18), CancellationToken.None);
        await findings.AddAsync(new MisuseFindingRecord { Rule = "volume_above_baseline", Officer = "officer-wang", Day = "2026-11-19", Detail = "crafted", Count = 40, FoundAt = Day(20) }, CancellationToken.None);
        var second = (await findings.ListAsync(includeClosed: false, null, null, 10, CancellationToken.None)).Single();
        await findings.CloseAsync(second.Id, upheld: false, "a flood emergency: overtime approved", "officer-li", Day(21), CancellationToken.None);
    }
}
