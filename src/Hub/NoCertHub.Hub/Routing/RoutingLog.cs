namespace NoCertHub.Hub.Routing;

internal static partial class RoutingLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Hub(s) {DeadHubs} lost their lease; {Hub} adopted {Adopted} of the {Found} unanswered requests they were routing")]
    public static partial void Adopted(ILogger logger, string deadHubs, string hub, int adopted, int found);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Could not renew this hub's lease or check the others'; retrying")]
    public static partial void LeaseFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Handed {Count} requests to hub {Hub}, whose agents answer their items")]
    public static partial void HandedOver(ILogger logger, int count, string hub);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Could not exchange requests with the other hubs; retrying in a second")]
    public static partial void HandoverFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Could not record the acceptance of request {RequestId}, a Verify not answered within Hub:VerifyRecordAfter ({Error}); trying again")]
    public static partial void PendingAcceptanceFailed(ILogger logger, string requestId, string error);
}
