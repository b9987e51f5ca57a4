using System.Data.Common;
using Microsoft.Data.SqlClient;

namespace NoCertHub.Hub.Catalog;

/// <summary>All T-SQL of the catalog store. No SQL Server runs in CI: every statement is parsed there with ScriptDom.</summary>
internal sealed class SqlServerCatalogDialect : ICatalogSqlDialect
{
    public DbConnection CreateConnection(string connectionString) => new SqlConnection(connectionString);

    public string? OnOpen => null;

    // 2601: duplicate key in a unique index; 2627: in a unique constraint.
    public bool IsUniqueViolation(DbException e) => e is SqlException { Number: 2601 or 2627 };

    public IReadOnlyList<string> CreateSchema { get; } =
    [
        """
        IF OBJECT_ID(N'dbo.catalog_department', N'U') IS NULL
        CREATE TABLE dbo.catalog_department (code NVARCHAR(64) NOT NULL CONSTRAINT pk_catalog_department PRIMARY KEY, name NVARCHAR(256) NOT NULL);
        """,
        """
        IF OBJECT_ID(N'dbo.catalog_proposal', N'U') IS NULL
        CREATE TABLE dbo.catalog_proposal (
            id BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_catalog_proposal PRIMARY KEY,
            code NVARCHAR(32) NOT NULL,
            version INT NULL,
            state VARCHAR(16) NOT NULL,
            spec_json NVARCHAR(MAX) NOT NULL,
            proposing_department NVARCHAR(64) NOT NULL,
            proposed_by NVARCHAR(256) NOT NULL,
            proposed_at_unix_ms BIGINT NOT NULL,
            reason NVARCHAR(2048) NOT NULL,
            decided_by NVARCHAR(256) NULL,
            decided_at_unix_ms BIGINT NULL,
            decision_note NVARCHAR(2048) NULL);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ux_catalog_version')
        CREATE UNIQUE INDEX ux_catalog_version ON dbo.catalog_proposal (code, version) WHERE version IS NOT NULL;
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ux_catalog_pending')
        CREATE UNIQUE INDEX ux_catalog_pending ON dbo.catalog_proposal (code) WHERE state = 'pending';
        """,
        """
        IF OBJECT_ID(N'dbo.commitment_violation', N'U') IS NULL
        CREATE TABLE dbo.commitment_violation (
            id BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_commitment_violation PRIMARY KEY,
            subject_kind VARCHAR(16) NOT NULL,
            subject_id NVARCHAR(64) NOT NULL,
            reason NVARCHAR(1024) NOT NULL,
            starts_on CHAR(10) NOT NULL,
            ends_on CHAR(10) NULL,
            source NVARCHAR(512) NOT NULL,
            recorded_by NVARCHAR(256) NOT NULL,
            recorded_at_unix_ms BIGINT NOT NULL,
            lifted_on CHAR(10) NULL,
            lifted_by NVARCHAR(256) NULL,
            lift_reason NVARCHAR(1024) NULL);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_commitment_violation_subject')
        CREATE INDEX ix_commitment_violation_subject ON dbo.commitment_violation (subject_id, subject_kind);
        """,
        """
        IF OBJECT_ID(N'dbo.case_ledger', N'U') IS NULL
        CREATE TABLE dbo.case_ledger (
            id BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_case_ledger PRIMARY KEY,
            kind TINYINT NOT NULL,
            department NVARCHAR(64) NOT NULL,
            case_number NVARCHAR(128) NOT NULL,
            request_id VARCHAR(64) NULL,
            item_code NVARCHAR(32) NULL,
            subject_kind VARCHAR(16) NULL,
            subject_id NVARCHAR(64) NULL,
            material NVARCHAR(1024) NOT NULL,
            note NVARCHAR(2048) NULL,
            recorded_by NVARCHAR(256) NOT NULL,
            recorded_at_unix_ms BIGINT NOT NULL);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_case_ledger_case')
        CREATE INDEX ix_case_ledger_case ON dbo.case_ledger (department, case_number);
        """,
    ];

    public string InsertDepartment => "IF NOT EXISTS (SELECT 1 FROM dbo.catalog_department WHERE code = @Code) INSERT INTO dbo.catalog_department (code, name) VALUES (@Code, @Name);";

    public string SelectDepartments => "SELECT code AS Code, name AS Name FROM dbo.catalog_department;";

    public string InsertProposal => """
        INSERT INTO dbo.catalog_proposal (code, version, state, spec_json, proposing_department, proposed_by, proposed_at_unix_ms, reason)
        OUTPUT INSERTED.id
        VALUES (@Code, NULL, 'pending', @SpecJson, @ProposingDepartment, @ProposedBy, @ProposedAtUnixMs, @Reason);
        """;

    public string InsertSeedVersion => """
        IF NOT EXISTS (SELECT 1 FROM dbo.catalog_proposal WITH (UPDLOCK, HOLDLOCK) WHERE code = @Code AND version = 1)
        INSERT INTO dbo.catalog_proposal (code, version, state, spec_json, proposing_department, proposed_by, proposed_at_unix_ms, reason,
            decided_by, decided_at_unix_ms, decision_note)
        VALUES (@Code, 1, 'approved', @SpecJson, @ProposingDepartment, @ProposedBy, @ProposedAtUnixMs, @Reason, @ProposedBy, @ProposedAtUnixMs, @Reason);
        """;

    public string SelectApproved => $"SELECT {CatalogColumns.Proposal} FROM dbo.catalog_proposal WHERE state = 'approved';";

    public string SelectProposals => $"""
        SELECT {CatalogColumns.Proposal} FROM dbo.catalog_proposal
        WHERE (@Code IS NULL OR code = @Code) AND (@IncludeDecided = 1 OR state = 'pending')
        ORDER BY id;
        """;

    public string SelectProposal => $"SELECT {CatalogColumns.Proposal} FROM dbo.catalog_proposal WHERE id = @Id;";

    public string SelectMaxVersion => "SELECT COALESCE(MAX(version), 0) FROM dbo.catalog_proposal WITH (UPDLOCK, HOLDLOCK) WHERE code = @Code AND state = 'approved';";

    public string DecideProposal => """
        UPDATE dbo.catalog_proposal SET state = @State, version = @Version, decided_by = @DecidedBy, decided_at_unix_ms = @DecidedAtUnixMs, decision_note = @DecisionNote
        WHERE id = @Id AND state = 'pending';
        """;

    public string InsertViolation => """
        INSERT INTO dbo.commitment_violation (subject_kind, subject_id, reason, starts_on, ends_on, source, recorded_by, recorded_at_unix_ms)
        OUTPUT INSERTED.id
        VALUES (@SubjectKind, @SubjectId, @Reason, @StartsOn, @EndsOn, @Source, @RecordedBy, @RecordedAtUnixMs);
        """;

    public string SelectViolationsOf => $"SELECT {CatalogColumns.Violation} FROM dbo.commitment_violation WHERE subject_id = @SubjectId AND subject_kind = @SubjectKind ORDER BY id;";

    public string SelectViolation => $"SELECT {CatalogColumns.Violation} FROM dbo.commitment_violation WHERE id = @Id;";

    public string LiftViolation => """
        UPDATE dbo.commitment_violation SET lifted_on = @LiftedOn, lifted_by = @LiftedBy, lift_reason = @LiftReason
        WHERE id = @Id AND ends_on IS NULL AND lifted_on IS NULL;
        """;

    public string InsertLedger => """
        INSERT INTO dbo.case_ledger (kind, department, case_number, request_id, item_code, subject_kind, subject_id, material, note, recorded_by, recorded_at_unix_ms)
        OUTPUT INSERTED.id
        VALUES (@Kind, @Department, @CaseNumber, @RequestId, @ItemCode, @SubjectKind, @SubjectId, @Material, @Note, @RecordedBy, @RecordedAtUnixMs);
        """;

    public string SelectLedger => """
        SELECT TOP (@Max) id AS Id, kind AS Kind, department AS Department, case_number AS CaseNumber, request_id AS RequestId, item_code AS ItemCode,
            subject_kind AS SubjectKind, subject_id AS SubjectId, material AS Material, note AS Note, recorded_by AS RecordedBy,
            recorded_at_unix_ms AS RecordedAtUnixMs
        FROM dbo.case_ledger
        WHERE (@Department IS NULL OR department = @Department) AND (@CaseNumber IS NULL OR case_number = @CaseNumber) AND (@Kind = 0 OR kind = @Kind)
        ORDER BY id DESC;
        """;

    public string CountLedger => """
        SELECT department AS Department, kind AS Kind, COUNT_BIG(*) AS [Count] FROM dbo.case_ledger
        WHERE recorded_at_unix_ms >= @From AND recorded_at_unix_ms < @To
        GROUP BY department, kind;
        """;
}
