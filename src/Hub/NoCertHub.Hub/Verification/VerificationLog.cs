using NoCertHub.V1;

namespace NoCertHub.Hub.Verification;

internal static partial class VerificationLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Request {RequestId} answered by {AgentId}: {Verdict}, late={Late}")]
    public static partial void Answered(ILogger logger, string requestId, string agentId, Verdict verdict, bool late);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Request {RequestId} was already answered; the answer from {AgentId} is recorded in the audit only")]
    public static partial void AlreadyAnswered(ILogger logger, string requestId, string agentId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Answer from {AgentId} for request {RequestId}, which is no longer on record")]
    public static partial void AnswerForUnknownRequest(ILogger logger, string requestId, string agentId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Answer for request {RequestId} could not be recorded; routing it again in {Delay}")]
    public static partial void RecordFailed(ILogger logger, string requestId, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Refused a request from {Department}/{Window}: {Status} {Reason}")]
    public static partial void Refused(ILogger logger, string? department, string? window, Grpc.Core.StatusCode status, string reason);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Request {RequestId} accepted for {Department}, item {ItemCode}, due {Deadline}")]
    public static partial void Accepted(ILogger logger, string requestId, string department, string itemCode, DateTimeOffset deadline);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Could not tell other hubs about {Count} results (Watch streams there find them at their next poll)")]
    public static partial void PublishFailed(ILogger logger, int count, Exception exception);

    private static readonly Func<ILogger, string, IDisposable?> Scope = LoggerMessage.DefineScope<string>("request {RequestId}");

    /// <summary>A logging scope naming the request, so structured lines about it carry RequestId whatever logs them.</summary>
    public static IDisposable? RequestScope(ILogger logger, string requestId) => Scope(logger, requestId);
}
