namespace NoCertHub.Hub.Sla;

internal static partial class SlaLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Request {RequestId} of {Department} (item {ItemCode}) missed its deadline {Deadline}; escalated to the joint office {Lag} after it")]
    public static partial void Escalated(ILogger logger, string requestId, string department, string itemCode, DateTimeOffset deadline, TimeSpan lag);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Deadline sweep failed; retrying")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Reminded {Agents} agent(s) of {Department} that request {RequestId} is due {Deadline}")]
    public static partial void Reminded(ILogger logger, int agents, string department, string requestId, Google.Protobuf.WellKnownTypes.Timestamp deadline);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Escalation of request {RequestId} closed by {ClosedBy}")]
    public static partial void EscalationClosed(ILogger logger, string requestId, string closedBy);
}
