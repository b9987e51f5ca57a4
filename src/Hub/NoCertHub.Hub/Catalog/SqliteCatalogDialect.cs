using System.Data.Common;
using Microsoft.Data.Sqlite;
using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Catalog;

/// <param name="durability">PowerLoss: synchronous=FULL (an approved change survives a power cut); ProcessCrash: NORMAL.</param>
internal sealed class SqliteCatalogDialect(DurabilityPromise durability = DurabilityPromise.PowerLoss) : ICatalogSqlDialect
{
    public DbConnection CreateConnection(string connectionString) => SqlConnections.Sqlite(connectionString);

    public string? OnOpen { get; } = SqliteDurability.OnOpen(durability);

    // SQLITE_CONSTRAINT
    public bool IsUniqueViolation(DbException e) => e is SqliteException { SqliteErrorCode: 19 };

    public IReadOnlyList<string> CreateSchema { get; } =
    [
        "CREATE TABLE IF NOT EXISTS catalog_department (code TEXT PRIMARY KEY, name TEXT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS catalog_proposal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            code TEXT NOT NULL,
            version INTEGER NULL,
            state TEXT NOT NULL,
            spec_json TEXT NOT NULL,
            proposing_department TEXT NOT NULL,
            proposed_by TEXT NOT NULL,
            proposed_at_unix_ms INTEGER NOT NULL,
            reason TEXT NOT NULL,
            decided_by TEXT NULL,
            decided_at_unix_ms INTEGER NULL,
            decision_note TEXT NULL)
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_catalog_version ON catalog_proposal (code, version) WHERE version IS NOT NULL",
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_catalog_pending ON catalog_proposal (code) WHERE state = 'pending'",
        """
        CREATE TABLE IF NOT EXISTS commitment_violation (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            subject_kind TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            starts_on TEXT NOT NULL,
            ends_on TEXT NULL,
            source TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            recorded_at_unix_ms INTEGER NOT NULL,
            lifted_on TEXT NULL,
            lifted_by TEXT NULL,
            lift_reason TEXT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_commitment_violation_subject ON commitment_violation (subject_id, subject_kind)",
        """
        CREATE TABLE IF NOT EXISTS case_ledger (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind INTEGER NOT NULL,
            department TEXT NOT NULL,
            case_number TEXT NOT NULL,
            request_id TEXT NULL,
            item_code TEXT NULL,
            subject_kind TEXT NULL,
            subject_id TEXT NULL,
            material TEXT NOT NULL,
            note TEXT NULL,
            recorded_by TEXT NOT NULL,
            recorded_at_unix_ms INTEGER NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_case_ledger_case ON case_ledger (department, case_number)",
    ];

    public string InsertDepartment => "INSERT OR IGNORE INTO catalog_department (code, name) VALUES (@Code, @Name)";

    public string SelectDepartments => "SELECT code AS Code, name AS Name FROM catalog_department";

    public string InsertProposal => """
        INSERT INTO catalog_proposal (code, version, state, spec_json, proposing_department, proposed_by, proposed_at_unix_ms, reason)
        VALUES (@Code, NULL, 'pending', @SpecJson, @ProposingDepartment, @ProposedBy, @ProposedAtUnixMs, @Reason)
        RETURNING id
        """;

    public string InsertSeedVersion => """
        INSERT OR IGNORE INTO catalog_proposal (code, version, state, spec_json, proposing_department, proposed_by, proposed_at_unix_ms, reason,
            decided_by, decided_at_unix_ms, decision_note)
        VALUES (@Code, 1, 'approved', @SpecJson, @ProposingDepartment, @ProposedBy, @ProposedAtUnixMs, @Reason, @ProposedBy, @ProposedAtUnixMs, @Reason)
        """;

    public string SelectApproved => $"SELECT {CatalogColumns.Proposal} FROM catalog_proposal WHERE state = 'approved'";

    public string SelectProposals => $"""
        SELECT {CatalogColumns.Proposal} FROM catalog_proposal
        WHERE (@Code IS NULL OR code = @Code) AND (@IncludeDecided = 1 OR state = 'pending')
        ORDER BY id
        """;

    public string SelectProposal => $"SELECT {CatalogColumns.Proposal} FROM catalog_proposal WHERE id = @Id";

    public string SelectMaxVersion => "SELECT COALESCE(MAX(version), 0) FROM catalog_proposal WHERE code = @Code AND state = 'approved'";

    public string DecideProposal => """
        UPDATE catalog_proposal SET state = @State, version = @Version, decided_by = @DecidedBy, decided_at_unix_ms = @DecidedAtUnixMs, decision_note = @DecisionNote
        WHERE id = @Id AND state = 'pending'
        """;

    public string InsertViolation => """
        INSERT INTO commitment_violation (subject_kind, subject_id, reason, starts_on, ends_on, source, recorded_by, recorded_at_unix_ms)
        VALUES (@SubjectKind, @SubjectId, @Reason, @StartsOn, @EndsOn, @Source, @RecordedBy, @RecordedAtUnixMs)
        RETURNING id
        """;

    public string SelectViolationsOf => $"SELECT {CatalogColumns.Violation} FROM commitment_violation WHERE subject_id = @SubjectId AND subject_kind = @SubjectKind ORDER BY id";

    public string SelectViolation => $"SELECT {CatalogColumns.Violation} FROM commitment_violation WHERE id = @Id";

    public string LiftViolation => """
        UPDATE commitment_violation SET lifted_on = @LiftedOn, lifted_by = @LiftedBy, lift_reason = @LiftReason
        WHERE id = @Id AND ends_on IS NULL AND lifted_on IS NULL
        """;

    public string InsertLedger => """
        INSERT INTO case_ledger (kind, department, case_number, request_id, item_code, subject_kind, subject_id, material, note, recorded_by, recorded_at_unix_ms)
        VALUES (@Kind, @Department, @CaseNumber, @RequestId, @ItemCode, @SubjectKind, @SubjectId, @Material, @Note, @RecordedBy, @RecordedAtUnixMs)
        RETURNING id
        """;

    public string SelectLedger => """
        SELECT id AS Id, kind AS Kind, department AS Department, case_number AS CaseNumber, request_id AS RequestId, item_code AS ItemCode,
            subject_kind AS SubjectKind, subject_id AS SubjectId, material AS Material, note AS Note, recorded_by AS RecordedBy,
            recorded_at_unix_ms AS RecordedAtUnixMs
        FROM case_ledger
        WHERE (@Department IS NULL OR department = @Department) AND (@CaseNumber IS NULL OR case_number = @CaseNumber) AND (@Kind = 0 OR kind = @Kind)
        ORDER BY id DESC
        LIMIT @Max
        """;

    public string CountLedger => """
        SELECT department AS Department, kind AS Kind, COUNT(*) AS Count FROM case_ledger
        WHERE recorded_at_unix_ms >= @From AND recorded_at_unix_ms < @To
        GROUP BY department, kind
        """;
}
