using Grpc.Core;

namespace NoCertHub.Agents.Connection;

internal static partial class AgentLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Agent {AgentId} of {Department} connected to hub {HubInstance}, answering {Items}")]
    public static partial void Connected(ILogger logger, string agentId, string department, string hubInstance, string items);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Agent {AgentId} lost its stream ({Status}: {Detail}); reconnecting")]
    public static partial void StreamLost(ILogger logger, string agentId, StatusCode status, string detail);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "The hub refused agent {AgentId} ({Status}): {Detail}. Fix the agent's configuration.")]
    public static partial void Refused(ILogger logger, string agentId, StatusCode status, string detail);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Agent {AgentId} could not check request {RequestId}; gave it back to the hub")]
    public static partial void CheckFailed(ILogger logger, string agentId, string requestId, Exception exception);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Agent {AgentId}: request {RequestId} (item {ItemCode}) is due {Deadline} and still unanswered")]
    public static partial void Reminded(ILogger logger, string agentId, string requestId, string itemCode, DateTimeOffset deadline);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Agent {AgentId}: request {RequestId} (item {ItemCode}) is on the on-site work list, due {Deadline}")]
    public static partial void FiledOnSite(ILogger logger, string agentId, string requestId, string itemCode, Google.Protobuf.WellKnownTypes.Timestamp deadline);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Agent {AgentId} could not read its on-site work list; will try again")]
    public static partial void WorkListFailed(ILogger logger, string agentId, Exception exception);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Warning, Message = "Agent {AgentId} of {Department}: the department database does not answer ({Reason}); its tasks go back to the hub and the agent stays away until the database answers")]
    public static partial void DatabaseDown(ILogger logger, string agentId, string department, string reason);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Agent {AgentId} of {Department}: the department database answers again after {Outage}; reconnecting")]
    public static partial void DatabaseBack(ILogger logger, string agentId, string department, TimeSpan outage);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Error, Message = "Agent {AgentId} does not offer item {ItemCode} to the hub: {Problem}. Fix the item's query in the agent's configuration.")]
    public static partial void ItemNotOffered(ILogger logger, string agentId, string itemCode, string problem);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Error, Message = "Agent {AgentId} of {Department} has no item whose query can run; it does not connect")]
    public static partial void NothingToOffer(ILogger logger, string agentId, string department);
}
