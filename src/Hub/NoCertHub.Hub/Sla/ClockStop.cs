using NoCertHub.Hub.Core;

namespace NoCertHub.Hub.Sla;

/// <summary>Article 11 para 4: how long a case's clock stood still while its checks were pending.</summary>
internal static class ClockStop
{
    /// <summary>
    /// The union of the checks' wait intervals (pending ones run to <paramref name="now"/>), and the
    /// plain sum of the waits. Overlapping checks stop the clock once, not twice.
    /// </summary>
    public static (TimeSpan Stopped, TimeSpan Sum) Measure(IEnumerable<CaseCheckEntry> checks, DateTimeOffset now)
    {
        var stopped = TimeSpan.Zero;
        var sum = TimeSpan.Zero;
        DateTimeOffset? runStart = null;
        var runEnd = DateTimeOffset.MinValue;
        foreach (var (start, end) in checks.Select(c => (c.AcceptedAt, End: Max(c.AcceptedAt, c.AnsweredAt ?? now))).OrderBy(i => i.AcceptedAt))
        {
            sum += end - start;
            if (runStart is null || start > runEnd)
            {
                if (runStart is { } s)
                {
                    stopped += runEnd - s;
                }

                runStart = start;
                runEnd = end;
            }
            else if (end > runEnd)
            {
                runEnd = end;
            }
        }

        if (runStart is { } last)
        {
            stopped += runEnd - last;
        }

        return (stopped, sum);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
