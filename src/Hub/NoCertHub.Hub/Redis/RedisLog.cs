using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Redis;

internal static partial class RedisLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Embedded Redis-compatible server (Garnet) listening on 127.0.0.1:{Port}, data in {DataDirectory}")]
    public static partial void EmbeddedStarted(ILogger logger, int port, string dataDirectory);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Using external Redis at {Endpoints}")]
    public static partial void ExternalRedis(ILogger logger, string endpoints);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "The external Redis at {Endpoint} runs with appendonly={AppendOnly}, appendfsync={AppendFsync}: weaker than Storage:Durability={Promise}, so receipts and answers it acknowledged can be lost. Set {Needed} on that server, or choose the promise it keeps")]
    public static partial void DurabilityWeaker(ILogger logger, string endpoint, string appendOnly, string appendFsync, DurabilityPromise promise, string needed);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Could not read the persistence settings of the external Redis at {Endpoint} ({Reason}); make sure they keep Storage:Durability={Promise}")]
    public static partial void DurabilityUnknown(ILogger logger, string endpoint, DurabilityPromise promise, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The embedded server's append-only file could not be committed before it stopped; the last writes no barrier waited for (a lease given up, a timer moved) may be replayed differently after a restart")]
    public static partial void FinalCommitFailed(ILogger logger, Exception? exception);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "The embedded server checkpoints every {Interval} (Redis:Embedded:CheckpointInterval) under Storage:Durability=PowerLoss: Garnet does not sync its checkpoint files before it deletes the append-only file they replace, so a power cut in the seconds after a checkpoint can lose acknowledged writes")]
    public static partial void CheckpointsUnderPowerLoss(ILogger logger, TimeSpan interval);
}
