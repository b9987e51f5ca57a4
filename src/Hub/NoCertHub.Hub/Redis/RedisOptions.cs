using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Redis;

internal sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>
    /// A StackExchange.Redis connection string for an external Redis. Empty: the hub runs an
    /// embedded Redis-compatible server (Microsoft.Garnet) in-process on loopback.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of every key the hub writes, so several deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "nocert";

    /// <summary>
    /// How many hash-tag slots requests are spread over. Every key one request touches shares its
    /// slot, so scripts stay single-slot on Redis Cluster. Changing it strands existing data.
    /// </summary>
    public int Shards { get; set; } = 16;

    /// <summary>
    /// How many results each window's Watch history keeps for resuming (at most 200,000: the
    /// history is one string of 30 bytes per result). Results also leave it when their request
    /// passes <see cref="AnsweredRetention"/>.
    /// </summary>
    public int WindowHistory { get; set; } = 100_000;

    /// <summary>How long an answered request stays readable through Get.</summary>
    public TimeSpan AnsweredRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a client_request_id keeps returning the first receipt.</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// For an external Redis with replicas: a receipt, a released answer and a closed escalation
    /// wait until this many replicas of each primary have the write (Redis's WAIT), so a primary
    /// that dies before replicating cannot take an acknowledged write with it when its replica
    /// takes over. 0 (the default): the primary's word is enough, and what it had not yet
    /// replicated when it died is lost (docs/durability.md, "Failover").
    /// </summary>
    public int MinReplicasAcked { get; set; }

    /// <summary>How long a promise waits for <see cref="MinReplicasAcked"/>; past it the caller gets Unavailable.</summary>
    public TimeSpan ReplicaAckTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The request path's calls of one script whose keys share a slot, within one batch, go as one
    /// script call (Redis enters the script once for all of them). Off: one script call each.
    /// </summary>
    public bool GroupScripts { get; set; } = true;

    public EmbeddedRedisOptions Embedded { get; set; } = new();
}

internal sealed class EmbeddedRedisOptions
{
    /// <summary>Where the embedded server keeps its append-only file; relative to the working directory.</summary>
    public string DataDirectory { get; set; } = "data/redis";

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Memory for Garnet's log (Garnet size syntax): records beyond it move to disk under
    /// <see cref="DataDirectory"/> and stay readable, more slowly.
    /// </summary>
    public string Memory { get; set; } = "512m";

    /// <summary>Hash index size (Garnet size syntax).</summary>
    public string Index { get; set; } = "64m";

    /// <summary>
    /// Give a receipt, release an answer or confirm a closed escalation only after the append-only
    /// file has it on disk (group-committed), so a hub killed with kill -9 loses nothing it
    /// acknowledged. Off: faster, and a crash can lose the last moments' writes.
    /// </summary>
    public bool WaitForCommit { get; set; } = true;

    /// <summary>
    /// How often the embedded server commits its append-only file on its own, for the writes no
    /// barrier waits for (timers moved, reminders sent; each fires again if lost). Zero: after
    /// every write operation (Garnet's default; about 10 % more CPU per request, measured with the
    /// load harness).
    /// </summary>
    public TimeSpan CommitFrequency { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How often Garnet checkpoints its store in the background and truncates its append-only
    /// file behind the checkpoint, so the file, and the time a restart takes to replay it, stay
    /// bounded. Zero: never (the file then grows with every write for as long as the hub runs).
    /// Unset: every 15 minutes under Storage:Durability=ProcessCrash, never under PowerLoss —
    /// Garnet writes its checkpoint files without syncing them and deletes the append-only file's
    /// old segments at once, so a power cut in the seconds after a checkpoint could lose what the
    /// hub acknowledged (docs/durability.md). Set explicitly under PowerLoss, the hub warns at start.
    /// </summary>
    public TimeSpan? CheckpointInterval { get; set; }

    /// <summary>What <see cref="CheckpointInterval"/> means under <paramref name="promise"/>.</summary>
    public TimeSpan CheckpointsEvery(DurabilityPromise promise) =>
        CheckpointInterval ?? (promise == DurabilityPromise.ProcessCrash ? TimeSpan.FromMinutes(15) : TimeSpan.Zero);

    /// <summary>
    /// Segments of Garnet's log on disk before it compacts the log (live records move to its tail;
    /// expired ones, such as answered requests past Redis:AnsweredRetention, are dropped). Zero: never.
    /// </summary>
    public int CompactionSegments { get; set; } = 8;
}
