namespace NoCertHub.Hub.Redis;

internal static partial class RedisLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Embedded Redis-compatible server (Garnet) listening on 127.0.0.1:{Port}, data in {DataDirectory}")]
    public static partial void EmbeddedStarted(ILogger logger, int port, string dataDirectory);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Using external Redis at {Endpoints}")]
    public static partial void ExternalRedis(ILogger logger, string endpoints);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The embedded server's append-only file could not be committed before it stopped; the last writes no barrier waited for (a lease given up, a timer moved) may be replayed differently after a restart")]
    public static partial void FinalCommitFailed(ILogger logger, Exception? exception);
}
