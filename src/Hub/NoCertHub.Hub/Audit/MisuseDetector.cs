using System.Globalization;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// Article 17 rules over the trail, each producing findings for the joint office: lookups outside
/// office hours, an officer's day far above their own (or their peers') usual volume, repeated
/// refused attempts, the same officer looking up the same subject across unrelated cases, and
/// lookups whose subject is not the applicant of the case they name.
/// A finding is recorded once per rule, officer, day (and subject); runs overlap safely.
/// </summary>
internal sealed class MisuseDetector(AuditSearchIndex search, MisuseFindingStore store, IOptions<AuditOptions> audit, IOptions<SlaOptions> sla, TimeProvider time)
{
    public const string OffHours = "off_hours";
    public const string VolumeAboveBaseline = "volume_above_baseline";
    public const string RepeatedRefusals = "repeated_refusals";
    public const string SameSubjectAcrossCases = "same_subject_across_cases";
    public const string SubjectNotApplicant = "subject_not_applicant";

    private const int Page = 20_000;

    private readonly MisuseOptions _options = audit.Value.Misuse;
    private readonly WorkingCalendar _calendar = new(sla.Value.Calendar);
    private readonly TimeSpan _offset = sla.Value.Calendar.UtcOffset;

    /// <summary>Runs every rule over the window ending now; returns the findings newly recorded.</summary>
    public async Task<IReadOnlyList<MisuseFindingRecord>> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var from = now - _options.Window;
        var records = new List<AuditRecord>();
        for (var after = 0L; ; )
        {
            var page = await search.ReadWindowAsync(from, now, after, Page, cancellationToken);
            records.AddRange(page);
            if (page.Count < Page)
            {
                break;
            }

            after = page[^1].Seq;
        }

        var lookups = records.Where(r => r.Kind is AuditKind.Answered or AuditKind.Late && r.Officer is not null).ToList();
        var findings = new List<MisuseFindingRecord>();
        findings.AddRange(OffHoursFindings(lookups, now));
        findings.AddRange(await VolumeFindingsAsync(lookups, now, cancellationToken));
        findings.AddRange(RefusalFindings(records, now));
        findings.AddRange(SameSubjectFindings(lookups, now));
        findings.AddRange(NotApplicantFindings(lookups, now));

        var added = new List<MisuseFindingRecord>();
        foreach (var finding in findings)
        {
            if (await store.AddAsync(finding, cancellationToken))
            {
                added.Add(finding);
            }
        }

        return added;
    }

    private IEnumerable<MisuseFindingRecord> OffHoursFindings(List<AuditRecord> lookups, DateTimeOffset now)
    {
        if (_options.OffHoursMinimum <= 0)
        {
            return [];
        }

        return lookups
            .Where(r => _calendar.ClockStart(r.RecordedAt) != r.RecordedAt.ToOffset(_offset))
            .GroupBy(r => (r.Officer!, Day: Day(r.RecordedAt)))
            .Where(g => g.Count() >= _options.OffHoursMinimum)
            .Select(g => Finding(OffHours, g.Key.Item1, g.Key.Day, "", g.Count(), now,
                $"{g.Count()} lookup(s) outside office hours or on a day off, first at {g.Min(r => r.RecordedAt).ToOffset(_offset):HH:mm}, cases {Cases(g)}"));
    }

    private async Task<IEnumerable<MisuseFindingRecord>> VolumeFindingsAsync(List<AuditRecord> lookups, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_options.VolumeFactor <= 0)
        {
            return [];
        }

        var days = lookups.GroupBy(r => (Officer: r.Officer!, Day: Day(r.RecordedAt))).ToList();
        if (days.Count == 0)
        {
            return [];
        }

        var history = await search.DailyLookupsAsync(now - _options.Window - TimeSpan.FromDays(_options.BaselineDays), now - _options.Window, _offset, cancellationToken);
        var baseline = history.GroupBy(h => h.Officer).ToDictionary(g => g.Key, g => Median(g.Select(h => h.Count), _options.BaselineDays));
        var findings = new List<MisuseFindingRecord>();
        foreach (var day in days.GroupBy(d => d.Key.Day))
        {
            var peers = Median(day.Select(d => d.Count()), day.Count());
            foreach (var officer in day)
            {
                var count = officer.Count();
                var usual = baseline.TryGetValue(officer.Key.Officer, out var own) && own > 0 ? own : peers;
                var against = baseline.ContainsKey(officer.Key.Officer) ? "their own median day" : "their peers' median that day";
                if (count >= _options.VolumeMinimum && count > _options.VolumeFactor * usual)
                {
                    findings.Add(Finding(VolumeAboveBaseline, officer.Key.Officer, officer.Key.Day, "", count, now,
                        string.Create(CultureInfo.InvariantCulture, $"{count} lookups in a day against {usual:0.#} for {against} (threshold ×{_options.VolumeFactor:0.#})")));
                }
            }
        }

        return findings;
    }

    private IEnumerable<MisuseFindingRecord> RefusalFindings(List<AuditRecord> records, DateTimeOffset now)
    {
        if (_options.RefusedMinimum <= 0)
        {
            return [];
        }

        return records
            .Where(r => r.Kind == AuditKind.Refused && r.Officer is not null)
            .GroupBy(r => (r.Officer!, Day: Day(r.RecordedAt)))
            .Where(g => g.Count() >= _options.RefusedMinimum)
            .Select(g => Finding(RepeatedRefusals, g.Key.Item1, g.Key.Day, "", g.Count(), now,
                $"{g.Count()} refused attempts; reasons: {string.Join(" | ", g.Select(r => r.Reason).Distinct().Take(3))}"));
    }

    private IEnumerable<MisuseFindingRecord> SameSubjectFindings(List<AuditRecord> lookups, DateTimeOffset now)
    {
        if (_options.SameSubjectCasesMinimum <= 0)
        {
            return [];
        }

        return lookups
            .Where(r => r.SubjectId is not null && r.CaseNumber is not null)
            .GroupBy(r => (r.Officer!, r.SubjectId!))
            .Select(g => (g.Key, Cases: g.Select(r => r.CaseNumber!).Distinct(StringComparer.Ordinal).ToList(), Last: g.Max(r => r.RecordedAt)))
            .Where(x => x.Cases.Count >= _options.SameSubjectCasesMinimum)
            .Select(x => Finding(SameSubjectAcrossCases, x.Key.Item1, Day(x.Last), x.Key.Item2, x.Cases.Count, now,
                $"the same subject looked up in {x.Cases.Count} different cases: {string.Join(", ", x.Cases.Order(StringComparer.Ordinal).Take(10))}"));
    }

    /// <summary>
    /// A lookup about someone the case does not name (neither its applicant nor a declared related
    /// party), and a case whose lookups name different applicants: the window named a case that
    /// is not about this person, or is reusing one case number for several people.
    /// </summary>
    private IEnumerable<MisuseFindingRecord> NotApplicantFindings(List<AuditRecord> lookups, DateTimeOffset now)
    {
        if (!_options.SubjectNotApplicant)
        {
            return [];
        }

        var notParties = lookups
            .Where(r => r.SubjectRole == SubjectRoles.NotAParty && r.SubjectId is not null)
            .GroupBy(r => (r.Officer!, Day: Day(r.RecordedAt), r.SubjectId!))
            .Select(g => Finding(SubjectNotApplicant, g.Key.Item1, g.Key.Day, g.Key.Item3, g.Count(), now,
                $"{g.Count()} lookup(s) about a subject who is neither the applicant nor a declared party of the case named: cases {Cases(g)}"));

        var mixedCases = lookups
            .Where(r => r.ApplicantDigest is not null && r.CaseNumber is not null && r.RequesterDepartment is not null)
            .GroupBy(r => (r.RequesterDepartment!, r.CaseNumber!))
            .Where(g => g.Select(r => r.ApplicantDigest).Distinct(StringComparer.Ordinal).Count() > 1)
            .SelectMany(g =>
            {
                // The case's first applicant is taken as its own; lookups naming another are the findings.
                var first = g.MinBy(r => r.Seq)!.ApplicantDigest;
                var applicants = g.Select(r => r.ApplicantDigest).Distinct(StringComparer.Ordinal).Count();
                return g.Where(r => r.ApplicantDigest != first)
                    .GroupBy(r => (r.Officer!, Day: Day(r.RecordedAt), r.SubjectId ?? ""))
                    .Select(o => Finding(SubjectNotApplicant, o.Key.Item1, o.Key.Day, o.Key.Item3, o.Count(), now,
                        $"case {g.Key.Item2} of {g.Key.Item1} names {applicants} different applicants across its lookups; {o.Count()} of this officer's name one who is not the case's first"));
            });

        return notParties.Concat(mixedCases);
    }

    private string Day(DateTimeOffset at) => at.ToOffset(_offset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Cases(IEnumerable<AuditRecord> records) =>
        string.Join(", ", records.Select(r => r.CaseNumber).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(5));

    /// <summary>The median of the counts, with the days that had none counted as zero.</summary>
    private static double Median(IEnumerable<int> counts, int days)
    {
        var all = counts.ToList();
        all.AddRange(Enumerable.Repeat(0, Math.Max(0, days - all.Count)));
        all.Sort();
        return all.Count == 0 ? 0 : all.Count % 2 == 1 ? all[all.Count / 2] : (all[(all.Count / 2) - 1] + all[all.Count / 2]) / 2.0;
    }

    private static MisuseFindingRecord Finding(string rule, string officer, string day, string subject, int count, DateTimeOffset now, string detail) => new()
    {
        Rule = rule,
        Officer = officer,
        Day = day,
        SubjectId = subject,
        Count = count,
        Detail = detail.Length <= 1024 ? detail : detail[..1023] + "…",
        FoundAt = now,
    };
}
