using System.Data.Common;
using Microsoft.Data.SqlClient;

namespace NoCertHub.Hub.Audit;

/// <summary>All T-SQL of the audit store. No SQL Server runs in CI: every statement is parsed there with ScriptDom.</summary>
internal sealed class SqlServerAuditDialect : IAuditSqlDialect
{
    private const string Columns = """
        seq AS Seq, chain_hash AS ChainHash, recorded_at_unix_ms AS RecordedAtUnixMs, kind AS Kind, request_id AS RequestId, item_code AS ItemCode,
        subject_kind AS SubjectKind, subject_id AS SubjectId, case_number AS CaseNumber, purpose AS Purpose,
        requester_department AS RequesterDepartment, [window] AS [Window], officer AS Officer, verdict AS Verdict,
        disclosed_fields AS DisclosedFields, answering_department AS AnsweringDepartment,
        answering_agent AS AnsweringAgent, hub_instance AS HubInstance, late AS Late, reason AS Reason
        """;

    public DbConnection CreateConnection(string connectionString) => new SqlConnection(connectionString);

    public string? OnOpen => null;

    public IReadOnlyList<string> CreateSchema { get; } =
    [
        """
        IF OBJECT_ID(N'dbo.audit_log', N'U') IS NULL
        CREATE TABLE dbo.audit_log (
            seq BIGINT NOT NULL CONSTRAINT pk_audit_log PRIMARY KEY,
            chain_hash BINARY(32) NOT NULL,
            recorded_at_unix_ms BIGINT NOT NULL,
            kind TINYINT NOT NULL,
            request_id VARCHAR(64) NULL,
            item_code NVARCHAR(64) NULL,
            subject_kind VARCHAR(16) NULL,
            subject_id NVARCHAR(64) NULL,
            case_number NVARCHAR(128) NULL,
            purpose NVARCHAR(512) NULL,
            requester_department NVARCHAR(64) NULL,
            [window] NVARCHAR(64) NULL,
            officer NVARCHAR(128) NULL,
            verdict VARCHAR(32) NULL,
            disclosed_fields NVARCHAR(512) NULL,
            answering_department NVARCHAR(64) NULL,
            answering_agent NVARCHAR(128) NULL,
            hub_instance NVARCHAR(128) NOT NULL,
            late BIT NOT NULL,
            reason NVARCHAR(1024) NULL);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_audit_log_request' AND object_id = OBJECT_ID(N'dbo.audit_log'))
        CREATE INDEX ix_audit_log_request ON dbo.audit_log (request_id);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_audit_log_subject' AND object_id = OBJECT_ID(N'dbo.audit_log'))
        CREATE INDEX ix_audit_log_subject ON dbo.audit_log (subject_id, recorded_at_unix_ms);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_audit_log_officer' AND object_id = OBJECT_ID(N'dbo.audit_log'))
        CREATE INDEX ix_audit_log_officer ON dbo.audit_log (officer, recorded_at_unix_ms);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_audit_log_case' AND object_id = OBJECT_ID(N'dbo.audit_log'))
        CREATE INDEX ix_audit_log_case ON dbo.audit_log (requester_department, case_number);
        """,
    ];

    public string Insert => """
        INSERT INTO dbo.audit_log (seq, chain_hash, recorded_at_unix_ms, kind, request_id, item_code, subject_kind, subject_id, case_number,
            purpose, requester_department, [window], officer, verdict, disclosed_fields, answering_department,
            answering_agent, hub_instance, late, reason)
        VALUES (@Seq, @ChainHash, @RecordedAtUnixMs, @Kind, @RequestId, @ItemCode, @SubjectKind, @SubjectId, @CaseNumber,
            @Purpose, @RequesterDepartment, @Window, @Officer, @Verdict, @DisclosedFields, @AnsweringDepartment,
            @AnsweringAgent, @HubInstance, @Late, @Reason);
        """;

    // UPDLOCK + HOLDLOCK: two hubs appending at once queue here instead of forking the chain.
    public string SelectHeadForAppend => "SELECT TOP (1) seq AS Seq, chain_hash AS ChainHash FROM dbo.audit_log WITH (UPDLOCK, HOLDLOCK) ORDER BY seq DESC;";

    public string SelectRange => $"SELECT TOP (@Max) {Columns} FROM dbo.audit_log WHERE seq >= @From ORDER BY seq;";

    public string SelectByRequest => $"SELECT {Columns} FROM dbo.audit_log WHERE request_id = @RequestId ORDER BY seq;";

    public string SelectSearch => $"""
        SELECT TOP (@Max) {Columns} FROM dbo.audit_log
        WHERE (@SubjectId IS NULL OR subject_id = @SubjectId)
          AND (@Officer IS NULL OR officer = @Officer)
          AND (@Department IS NULL OR requester_department = @Department)
          AND (@CaseNumber IS NULL OR case_number = @CaseNumber)
          AND recorded_at_unix_ms >= @FromMs AND recorded_at_unix_ms < @ToMs AND seq < @BeforeSeq
        ORDER BY seq DESC;
        """;

    public string SelectBySubject => $"SELECT TOP (@Max) {Columns} FROM dbo.audit_log WHERE subject_id = @SubjectId ORDER BY seq DESC;";
}
