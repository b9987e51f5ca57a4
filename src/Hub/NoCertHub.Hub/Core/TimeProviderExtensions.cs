namespace NoCertHub.Hub.Core;

internal static class TimeProviderExtensions
{
    /// <summary>
    /// Now, to the whole millisecond. Redis keeps the hub's instants as Unix milliseconds, so what a
    /// receipt or result says and what the deadline sets and escalations hold agree exactly.
    /// </summary>
    public static DateTimeOffset GetUtcNowMilliseconds(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMillisecond));
    }
}
