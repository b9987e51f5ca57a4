using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;
using Xunit;

namespace NoCertHub.Hub.Tests.Audit;

/// <summary>Each Article 17 rule on a crafted history in a real SQLite trail, and silence on a normal one.</summary>
public sealed class MisuseDetectorTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan District = TimeSpan.FromHours(8);
    private static readonly string[] UnrelatedCases = ["JJ-A", "JJ-B", "JJ-C"];

    // Thursday 3 December 2026, 18:00 in Jiaojiang: the detector looks back one day from here.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 18, 0, 0, District));
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-misuse-").FullName;
    private SqliteAudit _audit = null!;
    private MisuseDetector _detector = null!;

    public async Task InitializeAsync()
    {
        _audit = new SqliteAudit($"Data Source={Path.Combine(_directory, "audit.db")};Pooling=False", AuditWriterTests.Chain);
        await _audit.Database.EnsureSchemaAsync(CancellationToken.None);
        var audit = new AuditOptions { Misuse = { VolumeMinimum = 20 } };
        _detector = new MisuseDetector(_audit.Search, _audit.Findings, Options.Create(audit), Options.Create(new SlaOptions()), _clock);
    }

    [Fact]
    public async Task NormalDay_IsQuiet()
    {
        await NormalHistoryAsync();

        Assert.Empty(await _detector.RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task LookupsAtNight_AreAnOffHoursFinding()
    {
        await NormalHistoryAsync();
        await AddAsync(Lookup("officer-night", "331002199007210029", "JJ-N-1", At(2, 23, 40)), Lookup("officer-night", "331002197811020032", "JJ-N-2", At(3, 6, 10)));

        var found = await _detector.RunAsync(CancellationToken.None);

        // One finding per officer and district day: 23:40 on the 2nd, 06:10 on the 3rd.
        Assert.Equal(["2026-12-02", "2026-12-03"], found.Select(f => f.Day).Order(StringComparer.Ordinal));
        Assert.All(found, f => Assert.Equal((MisuseDetector.OffHours, "officer-night"), (f.Rule, f.Officer)));
        Assert.Contains("JJ-N-1", found.Single(f => f.Day == "2026-12-02").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DayFarAboveTheOfficersOwnBaseline_IsAVolumeFinding()
    {
        await NormalHistoryAsync();
        // officer-2 usually does 4 a day; today 30.
        await AddAsync([.. Enumerable.Range(0, 30).Select(i => Lookup("officer-2", Person(i), "JJ-V-" + i, At(3, 9, 0).AddMinutes(i * 10)))]);

        var found = await _detector.RunAsync(CancellationToken.None);

        var finding = Assert.Single(found);
        Assert.Equal((MisuseDetector.VolumeAboveBaseline, "officer-2"), (finding.Rule, finding.Officer));
        Assert.Contains("their own median day", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedRefusals_AreAFinding()
    {
        await NormalHistoryAsync();
        await AddAsync([.. Enumerable.Range(0, 6).Select(i => Lookup("officer-probe", Person(i), "JJ-R-" + i, At(3, 10, i)) with
        {
            Kind = AuditKind.Refused,
            Reason = "FailedPrecondition: item JJ-MZ-009 is not in force",
        })]);

        var finding = Assert.Single(await _detector.RunAsync(CancellationToken.None));

        Assert.Equal((MisuseDetector.RepeatedRefusals, "officer-probe", 6), (finding.Rule, finding.Officer, finding.Count));
    }

    [Fact]
    public async Task SameSubjectAcrossUnrelatedCases_IsAFinding_OnceEvenWhenTheRulesRunAgain()
    {
        await NormalHistoryAsync();
        await AddAsync([.. UnrelatedCases.Select((c, i) => Lookup("officer-nosy", "331002199501300046", c, At(3, 14, i)))]);

        var first = await _detector.RunAsync(CancellationToken.None);
        var again = await _detector.RunAsync(CancellationToken.None);

        var finding = Assert.Single(first);
        Assert.Equal((MisuseDetector.SameSubjectAcrossCases, "officer-nosy", "331002199501300046", 3), (finding.Rule, finding.Officer, finding.SubjectId, finding.Count));
        Assert.Empty(again);
        var listed = Assert.Single(await _audit.Findings.ListAsync(false, null, "officer-nosy", 10, CancellationToken.None));
        Assert.True(await _audit.Findings.CloseAsync(listed.Id, upheld: false, "checked: three family members' applications", "joint-office-li", _clock.GetUtcNow(), CancellationToken.None));
        Assert.False(await _audit.Findings.CloseAsync(listed.Id, upheld: false, "again", "joint-office-li", _clock.GetUtcNow(), CancellationToken.None));
        Assert.Empty(await _audit.Findings.ListAsync(false, null, "officer-nosy", 10, CancellationToken.None));
        Assert.Equal("joint-office-li", (await _audit.Findings.GetAsync(listed.Id, CancellationToken.None))!.ClosedBy);
    }

    [Fact]
    public async Task LookupAboutSomeoneTheCaseDoesNotName_IsASubjectNotApplicantFinding()
    {
        await NormalHistoryAsync();
        await AddAsync(LookupFor("331002199007210029", "not_a_party", "officer-3", "331002197811020032", "JJ-P-1", At(3, 11, 0)));

        var finding = Assert.Single(await _detector.RunAsync(CancellationToken.None));

        Assert.Equal((MisuseDetector.SubjectNotApplicant, "officer-3", "331002197811020032", 1), (finding.Rule, finding.Officer, finding.SubjectId, finding.Count));
        Assert.Contains("JJ-P-1", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneCaseNamingSeveralApplicants_IsASubjectNotApplicantFinding_ForTheLaterOnes()
    {
        await NormalHistoryAsync();
        // Each lookup declares its subject as the applicant, but all three reuse one case number.
        await AddAsync(
            Lookup("officer-1", "331002199007210029", "JJ-REUSED", At(3, 10, 0)),
            Lookup("officer-1", "331002197811020032", "JJ-REUSED", At(3, 10, 5)),
            Lookup("officer-4", "331002199501300046", "JJ-REUSED", At(3, 10, 9)));

        var found = await _detector.RunAsync(CancellationToken.None);

        Assert.Equal(
            [("officer-1", "331002197811020032"), ("officer-4", "331002199501300046")],
            found.Select(f => (f.Officer, f.SubjectId)).Order());
        Assert.All(found, f => Assert.Equal(MisuseDetector.SubjectNotApplicant, f.Rule));
        Assert.All(found, f => Assert.Contains("names 3 different applicants", f.Detail, StringComparison.Ordinal));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Five officers, each four lookups a working day for two weeks, in office hours, each subject in one case.</summary>
    private async Task NormalHistoryAsync()
    {
        var records = new List<AuditRecord>();
        for (var day = 16; day >= 0; day--)
        {
            var date = new DateTimeOffset(2026, 12, 3, 9, 0, 0, District).AddDays(-day);
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                continue;
            }

            for (var officer = 0; officer < 5; officer++)
            {
                for (var i = 0; i < 4; i++)
                {
                    var n = (day * 100) + (officer * 10) + i;
                    records.Add(Lookup("officer-" + officer, Person(n), "JJ-H-" + n, date.AddMinutes((officer * 60) + (i * 15))));
                    if (i == 0)
                    {
                        // The applicant's spouse, declared as a related party of the same case.
                        records.Add(LookupFor(Person(n), "related_party", "officer-" + officer, Person(n + 5000), "JJ-H-" + n, date.AddMinutes((officer * 60) + 5)));
                    }
                }
            }
        }

        await AddAsync([.. records]);
    }

    private Task<long> AddAsync(params AuditRecord[] records) => _audit.Chain.AppendAsync(records, CancellationToken.None);

    private static DateTimeOffset At(int day, int hour, int minute) => new(2026, 12, day, hour, minute, 0, District);

    private static string Person(int n) => "3310021990" + n.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    private static AuditRecord Lookup(string officer, string subject, string caseNumber, DateTimeOffset at) => new()
    {
        RecordedAt = at,
        Kind = AuditKind.Answered,
        RequestId = "r00-" + caseNumber,
        ItemCode = "JJ-MZ-001",
        SubjectKind = "Person",
        SubjectId = subject,
        CaseNumber = caseNumber,
        Purpose = "marriage registration",
        RequesterDepartment = "jj-admin-service-center",
        Window = "w1",
        Officer = officer,
        Verdict = "Match",
        HubInstance = "hub-test",
        ApplicantDigest = AuditWriterTests.Chain.SubjectDigest("Person", subject),
        SubjectRole = "applicant",
    };

    // A lookup in a case whose applicant is someone else, with the subject's role as the window declared it.
    private static AuditRecord LookupFor(string applicant, string role, string officer, string subject, string caseNumber, DateTimeOffset at) =>
        Lookup(officer, subject, caseNumber, at) with { ApplicantDigest = AuditWriterTests.Chain.SubjectDigest("Person", applicant), SubjectRole = role };
}
