using System.Data.Common;
using Microsoft.Data.SqlClient;

namespace NoCertHub.Hub.Complaints;

/// <summary>All T-SQL of the complaint store. No SQL Server runs in CI: every statement is parsed there with ScriptDom.</summary>
internal sealed class SqlServerComplaintDialect : IComplaintSqlDialect
{
    public DbConnection CreateConnection(string connectionString) => new SqlConnection(connectionString);

    public string? OnOpen => null;

    public IReadOnlyList<string> CreateSchema { get; } =
    [
        """
        IF OBJECT_ID(N'dbo.complaint', N'U') IS NULL
        CREATE TABLE dbo.complaint (
            id BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_complaint PRIMARY KEY,
            channel INT NOT NULL,
            kind INT NOT NULL,
            department NVARCHAR(64) NOT NULL,
            complainant_key VARCHAR(64) NULL,
            contact NVARCHAR(256) NULL,
            complaint_text NVARCHAR(4000) NOT NULL,
            case_number NVARCHAR(128) NULL,
            request_id VARCHAR(64) NULL,
            escalation_request_id VARCHAR(64) NULL,
            misuse_finding_id BIGINT NULL,
            received_at_unix_ms BIGINT NOT NULL,
            received_by NVARCHAR(256) NOT NULL,
            received_through NVARCHAR(64) NOT NULL,
            due_at_unix_ms BIGINT NOT NULL,
            state VARCHAR(16) NOT NULL,
            assigned_to NVARCHAR(64) NULL,
            assigned_by NVARCHAR(256) NULL,
            assigned_at_unix_ms BIGINT NULL,
            finding INT NULL,
            action_taken NVARCHAR(4000) NULL,
            resolved_by NVARCHAR(256) NULL,
            resolved_at_unix_ms BIGINT NULL);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_complaint_complainant')
        CREATE INDEX ix_complaint_complainant ON dbo.complaint (complainant_key);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_complaint_open')
        CREATE INDEX ix_complaint_open ON dbo.complaint (state, due_at_unix_ms);
        """,
    ];

    public string Insert => $"INSERT INTO dbo.complaint {ComplaintColumns.Insert} OUTPUT INSERTED.id VALUES {ComplaintColumns.InsertValues};";

    public string Assign => """
        UPDATE dbo.complaint SET state = 'assigned', assigned_to = @AssignedTo, assigned_by = @AssignedBy, assigned_at_unix_ms = @AssignedAtUnixMs
        WHERE id = @Id AND state IN ('received', 'assigned');
        """;

    public string Resolve => """
        UPDATE dbo.complaint SET state = 'resolved', finding = @Finding, action_taken = @ActionTaken, resolved_by = @ResolvedBy, resolved_at_unix_ms = @ResolvedAtUnixMs
        WHERE id = @Id AND state = 'assigned';
        """;

    public string SelectOne => $"SELECT {ComplaintColumns.Select} FROM dbo.complaint WHERE id = @Id;";

    public string SelectMatching => $"SELECT TOP (@Max) {ComplaintColumns.Select} FROM dbo.complaint WHERE {ComplaintColumns.Filter} ORDER BY id DESC;";

    public string CountMatching => $"SELECT COUNT(*) FROM dbo.complaint WHERE {ComplaintColumns.Filter};";

    public string SelectReceived => $"SELECT {ComplaintColumns.Select} FROM dbo.complaint WHERE received_at_unix_ms >= @From AND received_at_unix_ms < @To;";
}
