namespace NoCertHub.Hub.Agents;

internal static partial class AgentLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Agent {AgentId} of {Department} connected, capacity {Capacity}, items {Items}")]
    public static partial void Connected(ILogger logger, string agentId, string department, int capacity, string items);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Agent {AgentId} of {Department} disconnected; {Orphans} unanswered task(s) routed again")]
    public static partial void Disconnected(ILogger logger, string agentId, string department, int orphans);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Agent {AgentId} broke the protocol: {Problem}")]
    public static partial void ProtocolViolation(ILogger logger, string agentId, string problem);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Agent {AgentId} gave back request {RequestId}: {Reason}")]
    public static partial void Released(ILogger logger, string agentId, string requestId, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Agent {AgentId} of {Department} connected again; its earlier stream is ended and its tasks go back to the queue")]
    public static partial void Replaced(ILogger logger, string agentId, string department);
}
