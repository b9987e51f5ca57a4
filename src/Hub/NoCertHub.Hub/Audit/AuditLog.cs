namespace NoCertHub.Hub.Audit;

internal static partial class AuditLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Audit commit of {Count} record(s) failed; their results are held back")]
    public static partial void CommitFailed(ILogger logger, int count, Exception exception);
}
