namespace NoCertHub.Hub.Audit;

internal enum AuditProvider
{
    Sqlite,
    SqlServer,
}

internal sealed class AuditOptions
{
    public const string Section = "Audit";

    public AuditProvider Provider { get; set; } = AuditProvider.Sqlite;

    /// <summary>ADO.NET connection string. Default: a SQLite file under data/.</summary>
    public string ConnectionString { get; set; } = "Data Source=data/audit.db";

    /// <summary>Most records committed in one transaction.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>Records waiting for a commit before writers are made to wait.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>The key that turns subjects' ID numbers into HMACs in the chain (32+ random bytes, raw).</summary>
    public string SubjectKeyPath { get; set; } = "data/audit-keys/subject-hmac.key";

    /// <summary>The hub's ECDSA P-256 key (PKCS#8 PEM) that signs checkpoints.</summary>
    public string SigningKeyPath { get; set; } = "data/audit-keys/checkpoint-signing.pem";

    /// <summary>
    /// Create missing keys at start (the embedded default). A production hub mounts its keys and
    /// turns this off, so a missing key stops it instead of starting a new, unverifiable chain.
    /// </summary>
    public bool CreateMissingKeys { get; set; } = true;

    /// <summary>Where signed checkpoints are exported: somewhere the audit database's administrators cannot write.</summary>
    public string CheckpointDirectory { get; set; } = "data/audit-checkpoints";

    /// <summary>How often a checkpoint is signed over the records appended since the last one.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);
}
