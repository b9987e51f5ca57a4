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

    public MisuseOptions Misuse { get; set; } = new();

    /// <summary>
    /// How long records stay in the database; older ones move to <see cref="ArchiveDirectory"/>,
    /// a signed checkpoint's range at a time, never dropped. Zero keeps everything in the database.
    /// </summary>
    public TimeSpan Retention { get; set; }

    /// <summary>Where archived records go, each range beside the checkpoint that signed it.</summary>
    public string ArchiveDirectory { get; set; } = "data/audit-archive";
}

/// <summary>The misuse rules (Art. 17) and their thresholds.</summary>
internal sealed class MisuseOptions
{
    /// <summary>How often the rules run.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How far back each run looks.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Lookups outside office hours or on a day off, per officer and day, that make a finding; 0 turns the rule off.</summary>
    public int OffHoursMinimum { get; set; } = 1;

    /// <summary>Days of an officer's own history that make their baseline.</summary>
    public int BaselineDays { get; set; } = 14;

    /// <summary>A day's lookups above this many times the officer's median day (or, without history, their peers' median that day) make a finding; 0 turns the rule off.</summary>
    public double VolumeFactor { get; set; } = 3;

    /// <summary>A day with fewer lookups than this is never a volume finding.</summary>
    public int VolumeMinimum { get; set; } = 50;

    /// <summary>Refused attempts by one officer in one day that make a finding; 0 turns the rule off.</summary>
    public int RefusedMinimum { get; set; } = 5;

    /// <summary>Distinct cases in which one officer looked up the same subject within the window that make a finding; 0 turns the rule off.</summary>
    public int SameSubjectCasesMinimum { get; set; } = 3;

    /// <summary>Lookups whose subject is not a party to the case they name, and cases naming several applicants, make findings.</summary>
    public bool SubjectNotApplicant { get; set; } = true;
}
