using System.Data.Common;
using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Complaints;

/// <param name="durability">PowerLoss: synchronous=FULL (a filed complaint survives a power cut); ProcessCrash: NORMAL.</param>
internal sealed class SqliteComplaintDialect(DurabilityPromise durability = DurabilityPromise.PowerLoss) : IComplaintSqlDialect
{
    public DbConnection CreateConnection(string connectionString) => SqlConnections.Sqlite(connectionString);

    public string? OnOpen { get; } = SqliteDurability.OnOpen(durability);

    public IReadOnlyList<string> CreateSchema { get; } =
    [
        """
        CREATE TABLE IF NOT EXISTS complaint (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            department TEXT NOT NULL,
            complainant_key TEXT NULL,
            contact TEXT NULL,
            complaint_text TEXT NOT NULL,
            case_number TEXT NULL,
            request_id TEXT NULL,
            escalation_request_id TEXT NULL,
            misuse_finding_id INTEGER NULL,
            received_at_unix_ms INTEGER NOT NULL,
            received_by TEXT NOT NULL,
            received_through TEXT NOT NULL,
            due_at_unix_ms INTEGER NOT NULL,
            state TEXT NOT NULL,
            assigned_to TEXT NULL,
            assigned_by TEXT NULL,
            assigned_at_unix_ms INTEGER NULL,
            finding INTEGER NULL,
            action_taken TEXT NULL,
            resolved_by TEXT NULL,
            resolved_at_unix_ms INTEGER NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_complaint_complainant ON complaint (complainant_key)",
        "CREATE INDEX IF NOT EXISTS ix_complaint_open ON complaint (state, due_at_unix_ms)",
    ];

    public string Insert => $"INSERT INTO complaint {ComplaintColumns.Insert} VALUES {ComplaintColumns.InsertValues} RETURNING id";

    public string Assign => """
        UPDATE complaint SET state = 'assigned', assigned_to = @AssignedTo, assigned_by = @AssignedBy, assigned_at_unix_ms = @AssignedAtUnixMs
        WHERE id = @Id AND state IN ('received', 'assigned')
        """;

    public string Resolve => """
        UPDATE complaint SET state = 'resolved', finding = @Finding, action_taken = @ActionTaken, resolved_by = @ResolvedBy, resolved_at_unix_ms = @ResolvedAtUnixMs
        WHERE id = @Id AND state = 'assigned'
        """;

    public string SelectOne => $"SELECT {ComplaintColumns.Select} FROM complaint WHERE id = @Id";

    public string SelectMatching => $"SELECT {ComplaintColumns.Select} FROM complaint WHERE {ComplaintColumns.Filter} ORDER BY id DESC LIMIT @Max";

    public string CountMatching => $"SELECT COUNT(*) FROM complaint WHERE {ComplaintColumns.Filter}";

    public string SelectReceived => $"SELECT {ComplaintColumns.Select} FROM complaint WHERE received_at_unix_ms >= @From AND received_at_unix_ms < @To";
}
