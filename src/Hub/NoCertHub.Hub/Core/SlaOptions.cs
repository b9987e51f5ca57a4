namespace NoCertHub.Hub.Core;

/// <summary>How day-based Article 11 limits are counted.</summary>
internal enum SlaClock
{
    /// <summary>Limits run on natural time: "1 day" is 24 hours from acceptance.</summary>
    Natural,

    /// <summary>
    /// Limits run on the working-day calendar: whole-day limits count working days, shorter ones
    /// count office time, and a clock started out of hours starts at the next office opening.
    /// </summary>
    WorkingDays,
}

/// <summary>Article 11 answer limits per SLA class, and how the hub watches them.</summary>
internal sealed class SlaOptions
{
    public const string Section = "Sla";

    public TimeSpan Immediate { get; set; } = TimeSpan.FromMinutes(30);

    public TimeSpan Records { get; set; } = TimeSpan.FromDays(1);

    public TimeSpan OnSite { get; set; } = TimeSpan.FromDays(2);

    public SlaClock Clock { get; set; } = SlaClock.Natural;

    public WorkingCalendarOptions Calendar { get; set; } = new();

    /// <summary>
    /// When, as a fraction of the time allowed, the answering department's agents are reminded;
    /// 0 turns reminders off.
    /// </summary>
    public double ReminderAt { get; set; } = 0.8;

    /// <summary>Longest the sweeper sleeps, even when no deadline is near.</summary>
    public TimeSpan SweepMaxSleep { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most due entries one sweep pass claims per shard before it goes round again.</summary>
    public int SweepBatch { get; set; } = 1000;

    /// <summary>How often the scheduled safety net (Quartz) sweeps, whatever the sweeper is doing.</summary>
    public TimeSpan SafetyNetInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a case's check times stay available after its last check (clock-stop accounting).</summary>
    public TimeSpan CaseRetention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>How long a closed escalation stays listed.</summary>
    public TimeSpan ClosedEscalationRetention { get; set; } = TimeSpan.FromDays(400);
}

/// <summary>
/// The district's working-day calendar: data, changed every year when the State Council
/// publishes the holiday arrangement, never code.
/// </summary>
internal sealed class WorkingCalendarOptions
{
    /// <summary>The district's offset from UTC (China Standard Time).</summary>
    public TimeSpan UtcOffset { get; set; } = TimeSpan.FromHours(8);

    public TimeSpan OfficeOpens { get; set; } = new(8, 30, 0);

    public TimeSpan OfficeCloses { get; set; } = new(17, 30, 0);

    /// <summary>Days off that would otherwise be working days: "2026-10-01", or a range "2026-10-01..2026-10-07".</summary>
    public List<string> Holidays { get; set; } = [];

    /// <summary>Weekend days that are working days (调休 make-up days), same syntax.</summary>
    public List<string> WorkingWeekends { get; set; } = [];

    /// <summary>
    /// The last date the holiday data is known for. Deadlines beyond it are computed with weekends
    /// only, and the hub warns, so the calendar gets its next year in time.
    /// </summary>
    public DateOnly? KnownThrough { get; set; }
}
