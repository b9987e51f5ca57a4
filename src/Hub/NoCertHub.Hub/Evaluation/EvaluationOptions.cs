namespace NoCertHub.Hub.Evaluation;

/// <summary>
/// The department evaluation (Art. 18-19): how the score is weighted, and where and how often the
/// periodic reports are made. The regulation leaves the weights to the joint office; the defaults
/// are documented in docs/evaluation.md.
/// </summary>
internal sealed class EvaluationOptions
{
    public const string Section = "Evaluation";

    public ScoreWeightOptions Weights { get; set; } = new();

    /// <summary>What each upheld complaint takes off the complaints component (of 1).</summary>
    public double ComplaintPenalty { get; set; } = 0.2;

    /// <summary>What each misuse finding upheld takes off the misuse component (of 1).</summary>
    public double FindingPenalty { get; set; } = 0.25;

    /// <summary>Where the signed reports are written and served from (GET /reports).</summary>
    public string ReportDirectory { get; set; } = "data/reports";

    /// <summary>Make each finished month's report (district time) once it is over. Off: reports only on request.</summary>
    public bool MonthlyReports { get; set; } = true;

    /// <summary>How often the hub looks for a finished month without its report (it makes it then; after a stop, too).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>The score's weights; only their ratios matter.</summary>
internal sealed class ScoreWeightOptions
{
    public double OnTime { get; set; } = 50;

    public double Speed { get; set; } = 20;

    public double Requests { get; set; } = 10;

    public double Complaints { get; set; } = 10;

    public double Misuse { get; set; } = 10;
}
