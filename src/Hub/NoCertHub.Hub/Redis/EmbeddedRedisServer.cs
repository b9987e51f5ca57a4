using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Garnet;
using Microsoft.Extensions.Options;
using NoCertHub.Hosting;
using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Redis;

/// <summary>
/// Microsoft.Garnet run in-process on loopback: the default when no external Redis is
/// configured. The hub still speaks RESP to it through StackExchange.Redis, so there is one
/// code path for both.
/// </summary>
internal sealed class EmbeddedRedisServer : IDisposable
{
    private static readonly TimeSpan FinalCommitPatience = TimeSpan.FromSeconds(10);

    private readonly GarnetServer _server;
    private readonly DataFolderLock _folder;
    private readonly ILogger _logger;
    private readonly AppendOnlyFileSync? _sync;

    public EmbeddedRedisServer(IOptions<RedisOptions> options, IOptions<StorageOptions> storage, ILogger<EmbeddedRedisServer> logger)
    {
        var o = options.Value.Embedded;
        _logger = logger;
        // Garnet's append-only file must never have two writers: a second server recovering it while
        // this one appends loses what this one acknowledged. The hub's data folder is locked too, but
        // this folder may be configured outside it.
        _folder = DataFolderLock.Acquire(o.DataDirectory, "hub", "Redis:Embedded:DataDirectory");
        var dataDirectory = _folder.Folder;
        Port = o.Port == 0 ? FreeLoopbackPort() : o.Port;
        var args = new List<string>
        {
            "--bind", "127.0.0.1",
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            // Scripts must be atomic: the SLA and completion logic relies on it.
            "--lua", "--lua-transaction-mode",
            // The default native device needs a newer glibc than Debian 12 has.
            "--device-type", "RandomAccess",
            "--aof", "--recover", "--checkpointdir", dataDirectory,
            "--memory", o.Memory, "--index", o.Index,
            // Without a storage tier Garnet is a cache: once the log outgrows --memory, its oldest
            // records (a pending on-site check's request, a month-old answer) silently vanish.
            // With it they move to disk under the data directory and stay readable.
            "--storage-tier", "--logdir", Path.Combine(dataDirectory, "log"),
            // Garnet's default (0) commits the append-only file after every write operation: a disk
            // write, and a hypervisor exit on a VM, for each redis.call of every script. Writes that
            // make a promise are committed by the hub's barrier (CommitAsync) instead; the rest
            // reach the disk with the next barrier or the periodic commit, whichever comes first.
            "--aof-commit-freq", ((int)o.CommitFrequency.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            // Keys past their expiry (answered requests past their retention) are removed by a
            // background scan, not only when read: nobody reads them again.
            "--expired-key-deletion-scan-freq", "60",
            "-q",
        };
        var checkpoints = o.CheckpointsEvery(storage.Value.Durability);
        if (checkpoints > TimeSpan.Zero)
        {
            if (storage.Value.Durability == DurabilityPromise.PowerLoss)
            {
                RedisLog.CheckpointsUnderPowerLoss(logger, checkpoints);
            }

            // A background checkpoint of the store, after which the append-only file is truncated:
            // by whole segments, so they are kept small enough to go.
            args.AddRange(["--checkpoint-freq", ((int)Math.Max(1, checkpoints.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
                "--aof-segment-size", "64m"]);
        }

        if (o.CompactionSegments > 0)
        {
            // Lookup: a record is kept when the index still points at it (no data loss; Garnet's
            // recommended type). The dropped segments' files go with the next checkpoint.
            args.AddRange(["--compaction-freq", "60", "--compaction-type", "Lookup",
                "--compaction-max-segments", o.CompactionSegments.ToString(CultureInfo.InvariantCulture)]);
        }
        try
        {
            _server = new GarnetServer([.. args], loggerFactory: null, cleanupDir: false);
            _server.Start();
        }
        catch
        {
            _folder.Dispose();
            throw;
        }

        // Garnet keeps its append-only file in AOF/ under the checkpoint folder; it never syncs it.
        _sync = storage.Value.Durability == DurabilityPromise.PowerLoss ? new AppendOnlyFileSync(Path.Combine(dataDirectory, "AOF"), "aof.log") : null;
        RedisLog.EmbeddedStarted(logger, Port, dataDirectory);
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Returns once everything appended to the append-only file so far is written to it, so it
    /// survives the process being killed: the in-process commit waits until the log is committed
    /// up to the tail it saw (Tsavorite's CommitAsync). (The COMMITAOF command of Garnet 2.2.8
    /// starts a commit without waiting for it: a kill right after could still lose the writes.
    /// Waiting for the log's whole tail as well, as this did before, waits for writes of other
    /// requests made since — with periodic commits, up to the next one.)
    /// </summary>
    /// <remarks>
    /// Under <see cref="DurabilityPromise.PowerLoss"/> the file is then synced to the device
    /// (fdatasync), so what was committed survives a power cut as well; under ProcessCrash it is left
    /// to the kernel (written with O_DIRECT, or to its page cache where the filesystem lacks it).
    /// </remarks>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await _server.Store.CommitAOFAsync(cancellationToken);
        _sync?.Sync();
    }

    /// <summary>
    /// Commits what is appended but not yet committed — the writes no barrier waited for, such as
    /// the lease a stopping hub gives up — then stops the server.
    /// </summary>
    public void Dispose()
    {
        try
        {
            if (!CommitAsync(CancellationToken.None).Wait(FinalCommitPatience))
            {
                RedisLog.FinalCommitFailed(_logger, null);
            }
        }
        catch (AggregateException e)
        {
            RedisLog.FinalCommitFailed(_logger, e.InnerException);
        }

        _server.Dispose();
        _sync?.Dispose();
        _folder.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
