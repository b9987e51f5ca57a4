namespace NoCertHub.Hub.Audit;

internal static partial class AuditLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Audit commit of {Count} record(s) failed; their results are held back")]
    public static partial void CommitFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Signed audit checkpoint over records {From}..{To}")]
    public static partial void CheckpointSigned(ILogger logger, long from, long to);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Critical, Message = "The audit chain is broken at record {Seq}; no checkpoint will be signed until it is investigated")]
    public static partial void ChainBroken(ILogger logger, long seq, Exception exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "{Count} new misuse finding(s) for the joint office: {Rules}")]
    public static partial void MisuseFound(ILogger logger, int count, string rules);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Archived {Count} audit record(s) past their retention period")]
    public static partial void Archived(ILogger logger, long count);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Audit search index could not catch up; searches will catch it up themselves")]
    public static partial void IndexFailed(ILogger logger, Exception exception);
}
