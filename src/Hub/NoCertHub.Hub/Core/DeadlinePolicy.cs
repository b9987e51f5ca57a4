using Microsoft.Extensions.Options;
using NoCertHub.V1;

namespace NoCertHub.Hub.Core;

/// <summary>Computes the Article 11 deadline of a request accepted at a given instant, and when to remind.</summary>
internal sealed class DeadlinePolicy
{
    private readonly SlaOptions _options;
    private readonly WorkingCalendar? _calendar;
    private readonly ILogger<DeadlinePolicy> _logger;
    private int _warnedBeyondCalendar;

    public DeadlinePolicy(IOptions<SlaOptions> options, ILogger<DeadlinePolicy> logger)
    {
        _options = options.Value;
        _logger = logger;
        _calendar = _options.Clock == SlaClock.WorkingDays ? new WorkingCalendar(_options.Calendar) : null;
    }

    public TimeSpan Limit(SlaClass sla) => sla switch
    {
        SlaClass.Immediate => _options.Immediate,
        SlaClass.Records => _options.Records,
        SlaClass.OnSite => _options.OnSite,
        _ => throw new ArgumentOutOfRangeException(nameof(sla), sla, "no Article 11 limit for this SLA class"),
    };

    public DateTimeOffset DeadlineFor(SlaClass sla, DateTimeOffset acceptedAt)
    {
        var limit = Limit(sla);
        if (_calendar is null)
        {
            return acceptedAt + limit;
        }

        var start = _calendar.ClockStart(acceptedAt);
        var deadline = limit.Ticks % TimeSpan.TicksPerDay == 0
            ? _calendar.AddWorkingDays(start, (int)limit.TotalDays)
            : _calendar.AddOfficeTime(start, limit);
        if (_calendar.KnownThrough is { } known && DateOnly.FromDateTime(deadline.ToOffset(_options.Calendar.UtcOffset).DateTime) > known
            && Interlocked.Exchange(ref _warnedBeyondCalendar, 1) == 0)
        {
            CoreLog.BeyondCalendar(_logger, known);
        }

        return deadline;
    }

    /// <summary>When the answering department is reminded, or null when reminders are off.</summary>
    public DateTimeOffset? ReminderFor(DateTimeOffset acceptedAt, DateTimeOffset deadline) =>
        _options.ReminderAt <= 0 ? null : acceptedAt + (deadline - acceptedAt) * _options.ReminderAt;
}
