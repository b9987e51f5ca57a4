using System.Globalization;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Complaints;
using NoCertHub.V1;

namespace NoCertHub.Hub.Evaluation;

/// <summary>
/// <c>NoCertHub.Hub seed-demo [yyyy-MM]</c>: fills an empty data folder's stores with a synthetic
/// month (seeded, the same every time) — six departments, fast and slow, a few overdue, refusals
/// (one department still asking for cancelled items), ledgers, complaints and misuse findings —
/// and writes that month's signed report, so the demo has something to show. Refuses a data
/// folder whose audit trail already holds records: synthetic lookups never mix with real ones.
/// </summary>
internal static class DemoMonthCommand
{
    // Department, answers a working day, SLA class, typical answer time, share late.
    private static readonly (string Department, int PerDay, SlaClass Sla, TimeSpan Typical, double Late)[] Profiles =
    [
        ("jj-public-security", 420, SlaClass.Immediate, TimeSpan.FromSeconds(0.8), 0.001),
        ("jj-civil-affairs", 260, SlaClass.Immediate, TimeSpan.FromSeconds(2), 0.004),
        ("jj-market-regulation", 110, SlaClass.Records, TimeSpan.FromHours(3), 0.03),
        ("jj-natural-resources", 60, SlaClass.Records, TimeSpan.FromHours(6), 0.05),
        ("jj-human-resources", 70, SlaClass.Records, TimeSpan.FromHours(11), 0.14),
        ("jj-haimen-street", 18, SlaClass.OnSite, TimeSpan.FromHours(20), 0.08),
    ];

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        var reports = services.GetRequiredService<EvaluationReports>();
        var (year, month) = args.Length > 1
            && DateTime.TryParseExact(args[1], "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
                ? (parsed.Year, parsed.Month)
                : reports.LastFinishedMonth();
        var chain = services.GetRequiredService<AuditChainStore>();
        await chain.EnsureSchemaAsync(CancellationToken.None);
        if ((await chain.ReadRangeAsync(1, 1, CancellationToken.None)).Count > 0)
        {
            await output.WriteLineAsync("The audit trail already holds records: seed-demo fills only an empty data folder (start from a fresh working directory)");
            return 2;
        }

        var catalog = services.GetRequiredService<SqlCatalogStore>();
        await catalog.EnsureSchemaAsync(CancellationToken.None);
        var complaints = services.GetRequiredService<ComplaintStore>();
        var findings = services.GetRequiredService<MisuseFindingStore>();
        var sla = services.GetRequiredService<IOptions<Core.SlaOptions>>().Value;
        var (from, to) = reports.Month(year, month);
        var random = new Random(2026_11);
        var records = new List<AuditRecord>();
        var n = 0;
        var names = Profiles.Select(p => p.Department).ToArray();

        for (var day = from; day < to; day = day.AddDays(1))
        {
            var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            foreach (var profile in Profiles)
            {
                var allowed = profile.Sla switch { SlaClass.Immediate => sla.Immediate, SlaClass.Records => sla.Records, _ => sla.OnSite };
                var count = weekend ? profile.PerDay / 20 : profile.PerDay;
                for (var i = 0; i < count; i++)
                {
                    // Received during office hours (08:30-17:30 district time).
                    var received = day.AddMinutes(510 + random.Next(540)).AddSeconds(random.Next(60));
                    var late = random.NextDouble() < profile.Late;
                    var took = late
                        ? allowed * (1.05 + random.NextDouble())
                        : TimeSpan.FromTicks((long)Math.Min(allowed.Ticks * 0.98, profile.Typical.Ticks * -Math.Log(1 - (random.NextDouble() * 0.999)) * 1.4));
                    var requester = names[(Array.IndexOf(names, profile.Department) + 1 + random.Next(names.Length - 1)) % names.Length];
                    var answered = received + took;
                    if (answered >= to)
                    {
                        continue;
                    }

                    records.Add(new AuditRecord
                    {
                        RecordedAt = answered,
                        Kind = late ? AuditKind.Late : AuditKind.Answered,
                        RequestId = $"r00-{++n:x32}",
                        ItemCode = "demo-" + profile.Department[3..],
                        SubjectKind = "Person",
                        SubjectId = $"3310021980{random.Next(10_000_000):0000000}X",
                        CaseNumber = $"DEMO-{n:000000}",
                        Purpose = "demo month",
                        RequesterDepartment = requester,
                        Window = "w" + random.Next(4).ToString(CultureInfo.InvariantCulture),
                        Officer = $"officer-{requester[3..]}-{random.Next(5)}",
                        Verdict = random.NextDouble() < 0.93 ? "Match" : "Mismatch",
                        AnsweringDepartment = profile.Department,
                        AnsweringAgent = profile.Department[3..] + "-agent-1",
                        HubInstance = "demo",
                        Late = late,
                        Timing = new AnswerTiming((int)profile.Sla, received, received + allowed),
                    });
                }

                // Refusals of this department's own requests; human resources still asks for cancelled certificates.
                var refusals = profile.Department == "jj-human-resources" ? 6 : random.Next(2);
                for (var i = 0; i < refusals && !weekend; i++)
                {
                    var outOfForce = profile.Department == "jj-human-resources" ? i < 5 : random.NextDouble() < 0.3;
                    records.Add(new AuditRecord
                    {
                        RecordedAt = day.AddMinutes(540 + random.Next(480)),
                        Kind = AuditKind.Refused,
                        ItemCode = outOfForce ? "demo-cert-no-criminal-record" : "demo-unknown",
                        RequesterDepartment = profile.Department,
                        Officer = $"officer-{profile.Department[3..]}-{random.Next(5)}",
                        HubInstance = "demo",
                        Reason = outOfForce
                            ? $"FailedPrecondition: item demo-cert-no-criminal-record (No-criminal-record certificate) is not in force on {day:yyyy-MM-dd} (Art. 6)"
                            : "InvalidArgument: subject.id is not a valid resident ID number",
                    });
                }
            }
        }

        records.Sort((a, b) => a.RecordedAt.CompareTo(b.RecordedAt));
        foreach (var batch in records.Chunk(2_000))
        {
            await chain.AppendAsync(batch, CancellationToken.None);
        }

        foreach (var profile in Profiles)
        {
            for (var i = 0; i < profile.PerDay / 12; i++)
            {
                var kind = i % 4 == 0 ? LedgerKind.Voluntary : LedgerKind.Supplement;
                await catalog.AddLedgerAsync(new LedgerRecord(0, kind, profile.Department, $"DEMO-L{i:0000}", null, "demo-" + profile.Department[3..], null, null,
                    kind == LedgerKind.Supplement ? "household register page" : "marriage certificate copy", null, $"officer-{profile.Department[3..]}-1",
                    from.AddDays(random.Next((to - from).Days)).AddHours(10)), CancellationToken.None);
            }
        }

        // Complaints: mostly about the slow departments, a few upheld.
        (string Department, ComplaintKind Kind, ComplaintFinding? Finding)[] filed =
        [
            ("jj-human-resources", ComplaintKind.CheckOverdue, ComplaintFinding.Upheld),
            ("jj-human-resources", ComplaintKind.CheckOverdue, ComplaintFinding.Upheld),
            ("jj-human-resources", ComplaintKind.CancelledCertificateDemanded, ComplaintFinding.Upheld),
            ("jj-human-resources", ComplaintKind.CancelledCertificateDemanded, null),
            ("jj-haimen-street", ComplaintKind.CheckOverdue, ComplaintFinding.NotUpheld),
            ("jj-natural-resources", ComplaintKind.CheckOverdue, ComplaintFinding.Upheld),
            ("jj-market-regulation", ComplaintKind.Other, ComplaintFinding.NotUpheld),
            ("jj-civil-affairs", ComplaintKind.CancelledCertificateDemanded, ComplaintFinding.NotUpheld),
            ("jj-public-security", ComplaintKind.DataMisuse, null),
        ];
        foreach (var (department, kind, finding) in filed)
        {
            var at = from.AddDays(random.Next((to - from).Days - 3)).AddHours(9 + random.Next(8));
            var id = await complaints.AddAsync(new ComplaintRecord
            {
                Channel = (int)ComplaintChannel.Hotline12345, Kind = (int)kind, Department = department, Text = "demo complaint",
                ReceivedAtUnixMs = at.ToUnixTimeMilliseconds(), ReceivedBy = "operator-demo", ReceivedThrough = "jj-admin-service-center",
                DueAtUnixMs = at.AddDays(15).ToUnixTimeMilliseconds(), State = "received",
            }, CancellationToken.None);
            if (finding is { } f)
            {
                await complaints.AssignAsync(id, "officer-joint-office-2", "officer-joint-office-1", at.AddDays(1), CancellationToken.None);
                await complaints.ResolveAsync(id, (int)f, "demo resolution", "officer-joint-office-2", at.AddDays(3), CancellationToken.None);
            }
        }

        foreach (var (officer, rule, day) in new[] { ("officer-human-resources-2", "off_hours", 9), ("officer-public-security-3", "volume_above_baseline", 17), ("officer-market-regulation-1", "same_subject_across_cases", 22) })
        {
            await findings.AddAsync(new MisuseFindingRecord
            {
                Rule = rule, Officer = officer, Day = from.AddDays(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Detail = "demo finding", Count = 4,
                FoundAt = from.AddDays(day + 1).AddHours(2),
            }, CancellationToken.None);
        }

        // The joint office has looked into two of them: one upheld.
        var open = await findings.ListAsync(includeClosed: false, null, null, 10, CancellationToken.None);
        foreach (var (finding, upheld) in open.OrderBy(f => f.Id).Take(2).Zip([true, false]))
        {
            await findings.CloseAsync(finding.Id, upheld, upheld ? "demo: lookups without a case" : "demo: overtime approved", "officer-joint-office-1", finding.FoundAt.AddDays(2), CancellationToken.None);
        }

        // The indexer would catch up within seconds in a running hub; the report reads through it now.
        await services.GetRequiredService<AuditSearchIndex>().IndexPendingAsync(CancellationToken.None);
        // The public key verify-report and verify-audit read, as a running hub exports it.
        await services.GetRequiredService<AuditCheckpoints>().ExportPublicKeyAsync(CancellationToken.None);
        var path = await reports.WriteMonthAsync(year, month, CancellationToken.None);
        await output.WriteLineAsync($"{records.Count:N0} synthetic records for {EvaluationReports.PeriodName(year, month)}; the report: {Path.ChangeExtension(path, ".html")} (figures {path}, signature {path}.sig)");
        return 0;
    }
}
