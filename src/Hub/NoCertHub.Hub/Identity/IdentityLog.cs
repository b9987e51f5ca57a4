namespace NoCertHub.Hub.Identity;

internal static partial class IdentityLog
{
    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Revocation list {Path} loaded: {Count} revoked certificates, next update {NextUpdate}")]
    public static partial void RevocationListLoaded(ILogger logger, string path, int count, DateTimeOffset? nextUpdate);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Error, Message = "Revocation list {Path} cannot be read; the last good one stays in force")]
    public static partial void RevocationListUnreadable(ILogger logger, string path, Exception error);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Revocation list {Path} was due to be published again by {NextUpdate}; certificates revoked since are still accepted. Publish the CA's current list.")]
    public static partial void RevocationListStale(ILogger logger, string path, DateTimeOffset nextUpdate);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "Caller refused: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Warning, Message = "INSECURE: Security:Mode is InsecureLoopback. Callers are not authenticated and act as they declare; this mode is for tests on loopback only.")]
    public static partial void Insecure(ILogger logger);

    [LoggerMessage(EventId = 8006, Level = LogLevel.Warning, Message = "No Security:RevocationList is configured: a revoked certificate is accepted until it expires.")]
    public static partial void NoRevocationList(ILogger logger);
}
