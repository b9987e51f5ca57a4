using System.Data;
using System.Data.Common;
using Microsoft.Data.SqlClient;

namespace NoCertHub.Hub.Audit;

/// <summary>All T-SQL of the audit store. No SQL Server runs in CI: every statement is parsed there with ScriptDom.</summary>
internal sealed class SqlServerAuditDialect : IAuditSqlDialect
{
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
            reason NVARCHAR(1024) NULL,
            applicant_digest CHAR(64) NULL,
            subject_role VARCHAR(16) NULL,
            seal VARCHAR(200) NULL);
        """,
        // The chained table keeps its primary key alone; searches go through audit_index, fed from it.
        "DROP INDEX IF EXISTS ix_audit_log_request ON dbo.audit_log;",
        "DROP INDEX IF EXISTS ix_audit_log_subject ON dbo.audit_log;",
        "DROP INDEX IF EXISTS ix_audit_log_officer ON dbo.audit_log;",
        "DROP INDEX IF EXISTS ix_audit_log_case ON dbo.audit_log;",
        "DROP INDEX IF EXISTS ix_audit_log_time ON dbo.audit_log;",
        """
        IF OBJECT_ID(N'dbo.audit_index', N'U') IS NULL
        CREATE TABLE dbo.audit_index (
            seq BIGINT NOT NULL CONSTRAINT pk_audit_index PRIMARY KEY,
            recorded_at_unix_ms BIGINT NOT NULL,
            kind TINYINT NOT NULL,
            request_id VARCHAR(64) NULL,
            subject_id NVARCHAR(64) NULL,
            officer NVARCHAR(128) NULL,
            requester_department NVARCHAR(64) NULL,
            case_number NVARCHAR(128) NULL);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_audit_index_request' AND object_id = OBJECT_ID(N'dbo.audit_index'))
        CREATE INDEX ix_audit_index_request ON dbo.audit_index (request_id);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_audit_index_subject' AND object_id = OBJECT_ID(N'dbo.audit_index'))
        CREATE INDEX ix_audit_index_subject ON dbo.audit_index (subject_id, recorded_at_unix_ms);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_audit_index_officer' AND object_id = OBJECT_ID(N'dbo.audit_index'))
        CREATE INDEX ix_audit_index_officer ON dbo.audit_index (officer, recorded_at_unix_ms);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_audit_index_case' AND object_id = OBJECT_ID(N'dbo.audit_index'))
        CREATE INDEX ix_audit_index_case ON dbo.audit_index (requester_department, case_number);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_audit_index_time' AND object_id = OBJECT_ID(N'dbo.audit_index'))
        CREATE INDEX ix_audit_index_time ON dbo.audit_index (recorded_at_unix_ms);
        """,
        """
        IF OBJECT_ID(N'dbo.misuse_findings', N'U') IS NULL
        CREATE TABLE dbo.misuse_findings (
            id BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_misuse_findings PRIMARY KEY,
            [rule] VARCHAR(64) NOT NULL,
            officer NVARCHAR(128) NOT NULL,
            [day] CHAR(10) NOT NULL,
            subject_id NVARCHAR(64) NOT NULL,
            [count] INT NOT NULL,
            detail NVARCHAR(1024) NOT NULL,
            found_at_unix_ms BIGINT NOT NULL,
            [state] VARCHAR(16) NOT NULL,
            resolution NVARCHAR(4000) NULL,
            closed_by NVARCHAR(256) NULL,
            closed_at_unix_ms BIGINT NULL,
            CONSTRAINT uq_misuse_findings UNIQUE ([rule], officer, [day], subject_id));
        """,
        """
        IF OBJECT_ID(N'dbo.answer_facts', N'U') IS NULL
        CREATE TABLE dbo.answer_facts (
            id BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_answer_facts PRIMARY KEY,
            request_id VARCHAR(64) NOT NULL,
            requester_department NVARCHAR(64) NOT NULL,
            answering_department NVARCHAR(64) NOT NULL,
            item_code NVARCHAR(64) NOT NULL,
            sla_class INT NOT NULL,
            received_at_unix_ms BIGINT NOT NULL,
            due_at_unix_ms BIGINT NOT NULL,
            answered_at_unix_ms BIGINT NOT NULL,
            late BIT NOT NULL,
            verdict VARCHAR(32) NOT NULL);
        """,
        """
        IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_answer_facts_answered' AND object_id = OBJECT_ID(N'dbo.answer_facts'))
        CREATE INDEX ix_answer_facts_answered ON dbo.answer_facts (answered_at_unix_ms);
        """,
    ];

    public string InsertFact { get; } = $"INSERT INTO dbo.answer_facts ({AnswerFacts.InsertColumns}) VALUES ({AnswerFacts.InsertValues});";

    public string SelectFactsAnswered => $"SELECT {AnswerFacts.SelectList} FROM dbo.answer_facts WHERE answered_at_unix_ms >= @From AND answered_at_unix_ms < @To;";

    public string CountFactsReceived => """
        SELECT answering_department AS [Key], COUNT_BIG(*) AS [Count] FROM dbo.answer_facts
        WHERE answered_at_unix_ms >= @From AND received_at_unix_ms >= @From AND received_at_unix_ms < @To
        GROUP BY answering_department;
        """;

    public string SelectRefusals => """
        SELECT requester_department AS Department, reason AS Reason FROM dbo.audit_log
        WHERE seq IN (SELECT seq FROM dbo.audit_index WHERE kind = 1 AND recorded_at_unix_ms >= @From AND recorded_at_unix_ms < @To);
        """;

    public string SelectFindingsFound => "SELECT officer AS Officer, [state] AS [State] FROM dbo.misuse_findings WHERE found_at_unix_ms >= @From AND found_at_unix_ms < @To;";

    public string SelectOfficerDepartment => "SELECT TOP (1) requester_department FROM dbo.audit_index WHERE officer = @Officer AND requester_department IS NOT NULL;";

    public string SelectHead => "SELECT TOP (1) seq AS Seq, chain_hash AS ChainHash FROM dbo.audit_log ORDER BY seq DESC;";

    public string Insert { get; } = AuditRow.Insert("dbo.audit_log") + ";";

    // UPDLOCK + HOLDLOCK: two hubs appending at once queue here instead of forking the chain.
    public string SelectHeadForAppend => "SELECT TOP (1) seq AS Seq, chain_hash AS ChainHash FROM dbo.audit_log WITH (UPDLOCK, HOLDLOCK) ORDER BY seq DESC;";

    public IAuditChainReader? OpenChainReader(DbConnection connection, long from) => null;

    // Below this a batch goes through the prepared insert: SqlBulkCopy reads the table's metadata first, a round trip of its own.
    public int BulkInsertMinimum => 16;

    public async Task BulkInsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        using var table = BulkTable(rows);
        using var bulk = new SqlBulkCopy((SqlConnection)connection, SqlBulkCopyOptions.CheckConstraints, (SqlTransaction)transaction)
        {
            DestinationTableName = "dbo.audit_log",
            BatchSize = rows.Count,
            BulkCopyTimeout = 60,
        };
        foreach (DataColumn column in table.Columns)
        {
            bulk.ColumnMappings.Add(column.ColumnName, column.ColumnName);
        }

        await bulk.WriteToServerAsync(table, cancellationToken);
    }

    /// <summary>
    /// The rows as SqlBulkCopy takes them: one column per audit_log column (<see cref="AuditRow.Columns"/>,
    /// the list <see cref="Insert"/> is made from), typed by its values.
    /// </summary>
    internal static DataTable BulkTable(IReadOnlyList<object?[]> rows)
    {
        var table = new DataTable("audit_log") { Locale = System.Globalization.CultureInfo.InvariantCulture };
        for (var i = 0; i < AuditRow.Columns.Count; i++)
        {
            var type = rows.Select(r => r[i]).FirstOrDefault(v => v is not null)?.GetType() ?? typeof(string);
            table.Columns.Add(AuditRow.Columns[i], type);
        }

        table.BeginLoadData();
        foreach (var row in rows)
        {
            table.Rows.Add(row.Select(v => v ?? DBNull.Value).ToArray());
        }

        table.EndLoadData();
        return table;
    }

    public string SchemaCheck => "SELECT applicant_digest, subject_role, seal FROM dbo.audit_log WHERE 1 = 0;";

    public string SelectRange => $"SELECT TOP (@Max) {AuditRow.SelectList} FROM dbo.audit_log WHERE seq >= @From ORDER BY seq;";

    public string IndexNext => """
        INSERT INTO dbo.audit_index (seq, recorded_at_unix_ms, kind, request_id, subject_id, officer, requester_department, case_number)
        SELECT TOP (@Max) l.seq, l.recorded_at_unix_ms, l.kind, l.request_id, l.subject_id, l.officer, l.requester_department, l.case_number
        FROM dbo.audit_log AS l
        WHERE l.seq > (SELECT COALESCE(MAX(seq), 0) FROM dbo.audit_index WITH (UPDLOCK, HOLDLOCK))
          AND NOT EXISTS (SELECT 1 FROM dbo.audit_index AS i WHERE i.seq = l.seq)
        ORDER BY l.seq;
        """;

    public string SelectByRequest => $"SELECT {AuditRow.SelectList} FROM dbo.audit_log WHERE seq IN (SELECT seq FROM dbo.audit_index WHERE request_id = @RequestId) ORDER BY seq;";

    public string SelectSearch => $"""
        SELECT TOP (@Max) {AuditRow.SelectList} FROM dbo.audit_log WHERE seq IN (SELECT seq FROM dbo.audit_index
        WHERE (@SubjectId IS NULL OR subject_id = @SubjectId)
          AND (@Officer IS NULL OR officer = @Officer)
          AND (@Department IS NULL OR requester_department = @Department)
          AND (@CaseNumber IS NULL OR case_number = @CaseNumber)
          AND recorded_at_unix_ms >= @FromMs AND recorded_at_unix_ms < @ToMs AND seq < @BeforeSeq)
        ORDER BY seq DESC;
        """;

    public string DeleteRange => "DELETE FROM dbo.audit_log WHERE seq >= @From AND seq <= @To; DELETE FROM dbo.audit_index WHERE seq >= @From AND seq <= @To;";

    public string SelectWindow => $"SELECT TOP (@Max) {AuditRow.SelectList} FROM dbo.audit_log WHERE seq IN (SELECT seq FROM dbo.audit_index WHERE recorded_at_unix_ms >= @FromMs AND recorded_at_unix_ms < @ToMs AND seq > @AfterSeq) ORDER BY seq;";

    public string SelectDailyLookups => """
        SELECT officer AS Officer, (recorded_at_unix_ms + @OffsetMs) / 86400000 AS [Day], COUNT(*) AS [Count]
        FROM dbo.audit_index
        WHERE kind IN (2, 3) AND officer IS NOT NULL AND recorded_at_unix_ms >= @FromMs AND recorded_at_unix_ms < @ToMs
        GROUP BY officer, (recorded_at_unix_ms + @OffsetMs) / 86400000;
        """;

    public string InsertFinding => """
        IF NOT EXISTS (SELECT 1 FROM dbo.misuse_findings WITH (UPDLOCK, HOLDLOCK) WHERE [rule] = @Rule AND officer = @Officer AND [day] = @Day AND subject_id = @SubjectId)
        INSERT INTO dbo.misuse_findings ([rule], officer, [day], subject_id, [count], detail, found_at_unix_ms, [state])
        VALUES (@Rule, @Officer, @Day, @SubjectId, @Count, @Detail, @FoundAtUnixMs, 'open');
        """;

    public string SelectFindings => $"""
        SELECT TOP (@Max) {MisuseFindingStore.SelectList} FROM dbo.misuse_findings
        WHERE (@IncludeClosed = 1 OR [state] = 'open') AND (@Rule IS NULL OR [rule] = @Rule) AND (@Officer IS NULL OR officer = @Officer)
        ORDER BY id DESC;
        """;

    public string SelectFinding => $"SELECT {MisuseFindingStore.SelectList} FROM dbo.misuse_findings WHERE id = @Id;";

    public string CloseFinding => "UPDATE dbo.misuse_findings SET [state] = @State, resolution = @Resolution, closed_by = @ClosedBy, closed_at_unix_ms = @ClosedAtUnixMs WHERE id = @Id AND [state] = 'open';";

    public string SelectBySubject => $"SELECT TOP (@Max) {AuditRow.SelectList} FROM dbo.audit_log WHERE seq IN (SELECT seq FROM dbo.audit_index WHERE subject_id = @SubjectId) ORDER BY seq DESC;";
}
