namespace NoCertHub.Hub.Core;

internal static partial class CoreLog
{
    // 5003 since the deadline policy lived with the SLA engine; event ids stay stable when code moves.
    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "A deadline falls after {KnownThrough}, the last date the working-day calendar has holidays for; counting weekends only. Add the next year's arrangement to Sla:Calendar.")]
    public static partial void BeyondCalendar(ILogger logger, DateOnly knownThrough);
}
