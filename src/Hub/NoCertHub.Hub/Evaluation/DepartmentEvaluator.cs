using Google.Protobuf.WellKnownTypes;
using NoCertHub.Hub.Audit;
using NoCertHub.V1;

namespace NoCertHub.Hub.Evaluation;

/// <summary>
/// Computes a period's department evaluation from its <see cref="EvaluationInput"/>: a pure
/// function of the input, the period and the weights, so the same stores give the same report.
/// Definitions (docs/evaluation.md): the answering figures are over the answers given in the
/// period; percentiles are nearest-rank; an answer is on time when it was not late (the deadline
/// as the hub kept it, clock stops included); "within half" compares the answer time with half the
/// time the deadline allowed.
/// </summary>
internal static class DepartmentEvaluator
{
    /// <summary>The answer-time distribution's buckets: upper bounds in seconds, and their labels.</summary>
    public static readonly IReadOnlyList<(double UpTo, string Label)> AnswerTimeBuckets =
    [
        (1, "< 1 s"), (10, "1–10 s"), (60, "10 s–1 min"), (600, "1–10 min"), (3600, "10 min–1 h"),
        (8 * 3600, "1–8 h"), (24 * 3600, "8 h–1 d"), (double.PositiveInfinity, "> 1 d"),
    ];

    /// <summary>What a refusal's reason names: the category it is counted under.</summary>
    public static string RefusalCategory(string? reason)
    {
        if (reason is null)
        {
            return "other";
        }

        if (reason.Contains("is not in force", StringComparison.Ordinal))
        {
            return OutOfForce;
        }

        var code = reason.Split(':', 2)[0];
        return code switch
        {
            "NotFound" => "unknown item or record",
            "PermissionDenied" => "not permitted",
            "InvalidArgument" => "invalid request",
            "ResourceExhausted" => "hub or department busy",
            "Unauthenticated" => "no identity",
            "FailedPrecondition" => "precondition not met",
            _ => "other",
        };
    }

    /// <summary>The category of a request for an item no longer in force: cancelled or repealed (Art. 6, 21).</summary>
    public const string OutOfForce = "item out of force (Art. 6, 21)";

    public static DepartmentReport Evaluate(EvaluationInput input, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, EvaluationOptions options, string? onlyDepartment)
    {
        var weeks = Weeks(from, to);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        names.UnionWith(input.Answers.Select(a => a.AnsweringDepartment));
        names.UnionWith(input.Answers.Select(a => a.RequesterDepartment));
        names.UnionWith(input.Refusals.Select(r => r.Department).OfType<string>());
        names.UnionWith(input.Ledger.Select(l => l.Department));
        names.UnionWith(input.Complaints.Select(c => c.Department));
        names.UnionWith(input.Findings.Select(f => f.Department).OfType<string>());
        names.RemoveWhere(string.IsNullOrEmpty);

        // The answers are the big input (a month's worth): grouped once, not scanned per department.
        var answersBy = input.Answers.ToLookup(a => a.AnsweringDepartment, StringComparer.Ordinal);
        var requestsBy = input.Answers.CountBy(a => a.RequesterDepartment, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        var evaluations = names.Select(name => One(name, [.. answersBy[name]], requestsBy.GetValueOrDefault(name), input, weeks, to, options)).ToList();
        var ranked = evaluations.OrderByDescending(e => e.Score).ThenBy(e => e.Department, StringComparer.Ordinal).ToList();
        for (var i = 0; i < ranked.Count; i++)
        {
            ranked[i].Rank = i + 1;
        }

        var report = new DepartmentReport
        {
            From = Timestamp.FromDateTimeOffset(from),
            To = Timestamp.FromDateTimeOffset(to),
            GeneratedAt = Timestamp.FromDateTimeOffset(now),
            Weights = new ScoreWeights
            {
                OnTime = options.Weights.OnTime,
                Speed = options.Weights.Speed,
                Requests = options.Weights.Requests,
                Complaints = options.Weights.Complaints,
                Misuse = options.Weights.Misuse,
                ComplaintPenalty = options.ComplaintPenalty,
                FindingPenalty = options.FindingPenalty,
            },
            AuditPosition = input.AuditPosition,
            AuditChainHead = input.AuditChainHead,
        };
        report.Weeks.Add(weeks.Select(w => Timestamp.FromDateTimeOffset(w)));
        report.Departments.Add(ranked.Where(e => onlyDepartment is null || e.Department == onlyDepartment));
        return report;
    }

    private static DepartmentEvaluation One(
        string name, List<AnswerFactRow> answers, int answeredRequests, EvaluationInput input, IReadOnlyList<DateTimeOffset> weeks, DateTimeOffset to, EvaluationOptions options)
    {
        var seconds = answers.Select(a => (a.AnsweredAtUnixMs - a.ReceivedAtUnixMs) / 1000.0).Order().ToArray();
        var late = answers.Where(a => a.Late).ToList();
        var e = new DepartmentEvaluation
        {
            Department = name,
            Received = input.ReceivedByDepartment.GetValueOrDefault(name),
            Answered = answers.Count,
            AnsweredOnTime = answers.Count - late.Count,
            Overdue = late.Count,
            OverdueHours = Round(late.Sum(a => Math.Max(0, a.AnsweredAtUnixMs - a.DueAtUnixMs)) / 3_600_000.0, 3),
            AnswerSecondsP50 = Percentile(seconds, 50),
            AnswerSecondsP90 = Percentile(seconds, 90),
            AnswerSecondsP99 = Percentile(seconds, 99),
            AnsweredWithinHalf = answers.Count(a => (a.AnsweredAtUnixMs - a.ReceivedAtUnixMs) * 2 <= a.DueAtUnixMs - a.ReceivedAtUnixMs),
        };
        foreach (var group in answers.GroupBy(a => a.SlaClass).OrderBy(g => g.Key))
        {
            var onTime = group.Count(a => !a.Late);
            e.OnTimeByClass.Add(new ClassOnTime { SlaClass = (SlaClass)group.Key, Answered = group.Count(), OnTime = onTime, Rate = Round((double)onTime / group.Count(), 4) });
        }

        // The times are sorted: each bucket takes the ones below its bound that the buckets before did not.
        var counted = 0;
        foreach (var (upTo, label) in AnswerTimeBuckets)
        {
            var end = counted;
            while (end < seconds.Length && seconds[end] < upTo)
            {
                end++;
            }

            e.AnswerTimeDistribution.Add(new CountBy { Key = label, Count = end - counted });
            counted = end;
        }

        for (var i = 0; i < weeks.Count; i++)
        {
            var start = weeks[i].ToUnixTimeMilliseconds();
            var end = (i + 1 < weeks.Count ? weeks[i + 1] : to).ToUnixTimeMilliseconds();
            var inWeek = answers.Where(a => a.AnsweredAtUnixMs >= start && a.AnsweredAtUnixMs < end).ToList();
            e.OnTimeByWeek.Add(inWeek.Count == 0 ? -1 : Round((double)inWeek.Count(a => !a.Late) / inWeek.Count, 4));
        }

        var refusals = input.Refusals.Where(r => r.Department == name).Select(r => RefusalCategory(r.Reason)).ToList();
        e.RequestsMade = answeredRequests + refusals.Count;
        e.RefusalsByReason.Add(refusals.GroupBy(r => r).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CountBy { Key = g.Key, Count = g.Count() }));
        e.RequestsForItemsOutOfForce = refusals.Count(r => r == OutOfForce);
        e.SupplementsRequested = input.Ledger.Where(l => l.Department == name && l.Kind == LedgerKind.Supplement).Sum(l => l.Count);
        e.VoluntaryProvisions = input.Ledger.Where(l => l.Department == name && l.Kind == LedgerKind.Voluntary).Sum(l => l.Count);

        var complaints = input.Complaints.Where(c => c.Department == name).ToList();
        e.Complaints = complaints.Count;
        e.ComplaintsUpheld = complaints.Count(c => c.State == "resolved" && c.Finding == (int)ComplaintFinding.Upheld);
        e.ComplaintsByKind.Add(complaints.GroupBy(c => KindName((ComplaintKind)c.Kind)).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CountBy { Key = g.Key, Count = g.Count() }));
        var findings = input.Findings.Where(f => f.Department == name).ToList();
        e.MisuseFindings = findings.Count;
        e.MisuseFindingsClosed = findings.Count(f => f.Closed);
        e.MisuseFindingsUpheld = findings.Count(f => f.Upheld);

        e.Components = new ScoreComponents
        {
            OnTime = e.Answered == 0 ? 1 : Round((double)e.AnsweredOnTime / e.Answered, 4),
            Speed = e.Answered == 0 ? 1 : Round((double)e.AnsweredWithinHalf / e.Answered, 4),
            Requests = e.RequestsMade == 0 ? 1 : Round(1 - ((double)e.RequestsForItemsOutOfForce / e.RequestsMade), 4),
            Complaints = Round(Math.Max(0, 1 - (options.ComplaintPenalty * e.ComplaintsUpheld)), 4),
            Misuse = Round(Math.Max(0, 1 - (options.FindingPenalty * e.MisuseFindingsUpheld)), 4),
        };
        var w = options.Weights;
        var total = w.OnTime + w.Speed + w.Requests + w.Complaints + w.Misuse;
        var c = e.Components;
        e.Score = total <= 0 ? 0 : Round(100 * ((w.OnTime * c.OnTime) + (w.Speed * c.Speed) + (w.Requests * c.Requests) + (w.Complaints * c.Complaints) + (w.Misuse * c.Misuse)) / total, 2);
        return e;
    }

    /// <summary>Nearest rank: the smallest value with at least p % of the values at or below it; 0 for none.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : Round(sorted[Math.Max(0, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)], 3);

    /// <summary>The starts of the period's weeks: from its start, every seven days.</summary>
    public static IReadOnlyList<DateTimeOffset> Weeks(DateTimeOffset from, DateTimeOffset to)
    {
        var weeks = new List<DateTimeOffset>();
        for (var start = from; start < to; start = start.AddDays(7))
        {
            weeks.Add(start);
        }

        return weeks;
    }

    /// <summary>A complaint kind as people read it.</summary>
    public static string KindName(ComplaintKind kind) => kind switch
    {
        ComplaintKind.CancelledCertificateDemanded => "cancelled certificate demanded",
        ComplaintKind.CheckOverdue => "check overdue",
        ComplaintKind.DataMisuse => "data misuse",
        _ => "other",
    };

    private static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
