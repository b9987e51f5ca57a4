using System.Globalization;
using NoCertHub.V1;

namespace NoCertHub.Hub.Core;

/// <summary>
/// One check of a case: <c>item|acceptedMs|answeredMs</c>, the answer time appended when the
/// check is answered (empty while pending). A case's checks are kept as one Redis string of lines
/// <c>\n{request id}={entry}</c> (appended on accept, the line's answer time filled in on answer)
/// rather than a hash: the embedded Garnet keeps a hash as objects on the hub's heap, and cases are
/// kept for 400 days. Past <see cref="CaseStringLimit"/> bytes a case's further checks go to a hash
/// (request id → entry), so a case number reused for everything costs no more per check than a
/// real case.
/// </summary>
internal readonly record struct CaseCheckEntry(string RequestId, string ItemCode, DateTimeOffset AcceptedAt, DateTimeOffset? AnsweredAt)
{
    /// <summary>About 1,500 checks; a real case has a handful.</summary>
    public const int CaseStringLimit = 64 * 1024;

    public static string Pending(Receipt receipt) =>
        string.Create(CultureInfo.InvariantCulture, $"{receipt.ItemCode}|{receipt.AcceptedAt.ToDateTimeOffset().ToUnixTimeMilliseconds()}|");

    /// <summary>Every check in a case string; lines not in the layout are skipped.</summary>
    public static IEnumerable<CaseCheckEntry> ParseLines(string? value)
    {
        foreach (var line in (value ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && TryParse(line[..equals], line[(equals + 1)..], out var entry))
            {
                yield return entry;
            }
        }
    }

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
