using System.Globalization;
using NoCertHub.V1;

namespace NoCertHub.Hub.Sla;

/// <summary>
/// One check of a case as kept in the case hash: <c>item|acceptedMs|answeredMs</c>, the answer
/// time appended when the check is answered (empty while pending).
/// </summary>
internal readonly record struct CaseCheckEntry(string RequestId, string ItemCode, DateTimeOffset AcceptedAt, DateTimeOffset? AnsweredAt)
{
    public static string Pending(Receipt receipt) =>
        string.Create(CultureInfo.InvariantCulture, $"{receipt.ItemCode}|{receipt.AcceptedAt.ToDateTimeOffset().ToUnixTimeMilliseconds()}|");

    public static bool TryParse(string requestId, string? value, out CaseCheckEntry entry)
    {
        entry = default;
        var parts = value?.Split('|');
        if (parts is not { Length: 3 } || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var accepted))
        {
            return false;
        }

        DateTimeOffset? answered = null;
        if (parts[2].Length > 0)
        {
            if (!long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var answeredMs))
            {
                return false;
            }

            answered = DateTimeOffset.FromUnixTimeMilliseconds(answeredMs);
        }

        entry = new CaseCheckEntry(requestId, parts[0], DateTimeOffset.FromUnixTimeMilliseconds(accepted), answered);
        return true;
    }
}

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
