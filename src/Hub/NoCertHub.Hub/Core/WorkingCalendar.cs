using System.Globalization;

namespace NoCertHub.Hub.Core;

/// <summary>
/// Working days and office hours of the district, from <see cref="WorkingCalendarOptions"/>.
/// Every computation happens in district time; instants go in and out as UTC offsets.
/// </summary>
internal sealed class WorkingCalendar
{
    private readonly HashSet<DateOnly> _holidays;
    private readonly HashSet<DateOnly> _workingWeekends;
    private readonly TimeSpan _offset;
    private readonly TimeSpan _opens;
    private readonly TimeSpan _closes;

    public WorkingCalendar(WorkingCalendarOptions options)
    {
        _offset = options.UtcOffset;
        _opens = options.OfficeOpens;
        _closes = options.OfficeCloses;
        KnownThrough = options.KnownThrough;
        _holidays = ParseDays(options.Holidays, nameof(options.Holidays));
        _workingWeekends = ParseDays(options.WorkingWeekends, nameof(options.WorkingWeekends));
        if (_opens < TimeSpan.Zero || _closes > TimeSpan.FromDays(1) || _opens >= _closes)
        {
            throw new ArgumentException($"Office hours {_opens}–{_closes} are not a span within one day", nameof(options));
        }

        var both = _holidays.Intersect(_workingWeekends).Order().ToList();
        if (both.Count > 0)
        {
            throw new ArgumentException(
                $"{string.Join(", ", both.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))} listed both as holiday and as working weekend day", nameof(options));
        }
    }

    public DateOnly? KnownThrough { get; }

    public bool IsWorkingDay(DateOnly day) =>
        _workingWeekends.Contains(day)
        || (!_holidays.Contains(day) && day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));

    /// <summary>When a clock started at <paramref name="at"/> starts counting: then, if in office hours, else at the next opening.</summary>
    public DateTimeOffset ClockStart(DateTimeOffset at)
    {
        var local = at.ToOffset(_offset);
        var day = DateOnly.FromDateTime(local.DateTime);
        var timeOfDay = local.TimeOfDay;
        if (IsWorkingDay(day) && timeOfDay < _closes)
        {
            return timeOfDay >= _opens ? local : At(day, _opens);
        }

        return At(NextWorkingDay(day), _opens);
    }

    /// <summary>The same time of day, <paramref name="days"/> working days after a clock start.</summary>
    public DateTimeOffset AddWorkingDays(DateTimeOffset start, int days)
    {
        var local = start.ToOffset(_offset);
        var day = DateOnly.FromDateTime(local.DateTime);
        for (var i = 0; i < days; i++)
        {
            day = NextWorkingDay(day);
        }

        return At(day, local.TimeOfDay);
    }

    /// <summary>Counts <paramref name="span"/> of office time from a clock start, carrying over closing time.</summary>
    public DateTimeOffset AddOfficeTime(DateTimeOffset start, TimeSpan span)
    {
        var cursor = start.ToOffset(_offset);
        var remaining = span;
        while (true)
        {
            var day = DateOnly.FromDateTime(cursor.DateTime);
            var available = _closes - cursor.TimeOfDay;
            if (remaining <= available)
            {
                return cursor + remaining;
            }

            remaining -= available;
            cursor = At(NextWorkingDay(day), _opens);
        }
    }

    private DateOnly NextWorkingDay(DateOnly day)
    {
        // Bounded: even a calendar of nothing but holidays ends within a year and a day.
        for (var i = 0; i < 367; i++)
        {
            day = day.AddDays(1);
            if (IsWorkingDay(day))
            {
                return day;
            }
        }

        throw new InvalidOperationException($"The working-day calendar has no working day in the year after {day.AddDays(-367)}");
    }

    private DateTimeOffset At(DateOnly day, TimeSpan timeOfDay) => new(day.ToDateTime(TimeOnly.MinValue) + timeOfDay, _offset);

    private static HashSet<DateOnly> ParseDays(IEnumerable<string> entries, string setting)
    {
        var days = new HashSet<DateOnly>();
        foreach (var entry in entries)
        {
            var parts = entry.Split("..", StringSplitOptions.TrimEntries);
            if (parts.Length > 2
                || !DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first)
                || !DateOnly.TryParseExact(parts[^1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var last)
                || last < first || last.DayNumber - first.DayNumber > 366)
            {
                throw new ArgumentException($"Sla:Calendar:{setting} entry '{entry}' is not a date (yyyy-MM-dd) or a range of at most a year (yyyy-MM-dd..yyyy-MM-dd)");
            }

            for (var day = first; day <= last; day = day.AddDays(1))
            {
                days.Add(day);
            }
        }

        return days;
    }
}
