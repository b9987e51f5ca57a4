using NoCertHub.Hub.Audit;

namespace NoCertHub.Hub.Tests.Audit;

/// <summary>The three audit stores over one SQLite database file, as the hub composes them.</summary>
internal sealed class SqliteAudit(string connectionString, AuditChain chain, IAuditSqlDialect? dialect = null)
{
    public AuditDatabase Database { get; } = new(dialect ?? new SqliteAuditDialect(), connectionString);

    public AuditChainStore Chain => new(Database, chain);

    public AuditSearchIndex Search => new(Database);

    public MisuseFindingStore Findings => new(Database);
}
