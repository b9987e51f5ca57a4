namespace NoCertHub.Hub.Redis;

internal static partial class RedisLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Embedded Redis-compatible server (Garnet) listening on 127.0.0.1:{Port}, data in {DataDirectory}")]
    public static partial void EmbeddedStarted(ILogger logger, int port, string dataDirectory);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Using external Redis at {Endpoints}")]
    public static partial void ExternalRedis(ILogger logger, string endpoints);
}
