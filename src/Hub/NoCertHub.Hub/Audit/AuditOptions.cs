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
}
