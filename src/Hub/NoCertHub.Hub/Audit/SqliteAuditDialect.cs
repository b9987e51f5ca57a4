using System.Data.Common;
using Microsoft.Data.Sqlite;
using NoCertHub.Hub.Storage;
using SQLitePCL;

namespace NoCertHub.Hub.Audit;

/// <param name="durability">
/// PowerLoss: synchronous=FULL, the write-ahead log synced at every commit, so a released answer's
/// record survives a power cut. ProcessCrash: synchronous=NORMAL, a commit survives the process being
/// killed; a power loss can take the last commits, which the checkpoints make detectable.
/// </param>
internal sealed class SqliteAuditDialect(DurabilityPromise durability = DurabilityPromise.PowerLoss) : IAuditSqlDialect
{
    public DbConnection CreateConnection(string connectionString) => SqlConnections.Sqlite(connectionString);

    public string? OnOpen { get; } = SqliteDurability.OnOpen(durability);

    public IReadOnlyList<string> CreateSchema { get; } =
    [
        """
        CREATE TABLE IF NOT EXISTS audit_log (
            seq INTEGER PRIMARY KEY,
            chain_hash BLOB NOT NULL,
            recorded_at_unix_ms INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            request_id TEXT NULL,
            item_code TEXT NULL,
            subject_kind TEXT NULL,
            subject_id TEXT NULL,
            case_number TEXT NULL,
            purpose TEXT NULL,
            requester_department TEXT NULL,
            window TEXT NULL,
            officer TEXT NULL,
            verdict TEXT NULL,
            disclosed_fields TEXT NULL,
            answering_department TEXT NULL,
            answering_agent TEXT NULL,
            hub_instance TEXT NOT NULL,
            late INTEGER NOT NULL,
            reason TEXT NULL,
            applicant_digest TEXT NULL,
            subject_role TEXT NULL,
            seal TEXT NULL)
        """,
        // The chained table stays append-only with its primary key alone: secondary indexes cost more
        // than everything else on the answer path. Searches go through audit_index, fed from it.
        "DROP INDEX IF EXISTS ix_audit_log_request",
        "DROP INDEX IF EXISTS ix_audit_log_subject",
        "DROP INDEX IF EXISTS ix_audit_log_officer",
        "DROP INDEX IF EXISTS ix_audit_log_case",
        "DROP INDEX IF EXISTS ix_audit_log_time",
        """
        CREATE TABLE IF NOT EXISTS audit_index (
            seq INTEGER PRIMARY KEY,
            recorded_at_unix_ms INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            request_id TEXT NULL,
            subject_id TEXT NULL,
            officer TEXT NULL,
            requester_department TEXT NULL,
            case_number TEXT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_audit_index_request ON audit_index (request_id)",
        "CREATE INDEX IF NOT EXISTS ix_audit_index_subject ON audit_index (subject_id, recorded_at_unix_ms)",
        "CREATE INDEX IF NOT EXISTS ix_audit_index_officer ON audit_index (officer, recorded_at_unix_ms)",
        "CREATE INDEX IF NOT EXISTS ix_audit_index_case ON audit_index (requester_department, case_number)",
        "CREATE INDEX IF NOT EXISTS ix_audit_index_time ON audit_index (recorded_at_unix_ms)",
        """
        CREATE TABLE IF NOT EXISTS misuse_findings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            rule TEXT NOT NULL,
            officer TEXT NOT NULL,
            day TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            count INTEGER NOT NULL,
            detail TEXT NOT NULL,
            found_at_unix_ms INTEGER NOT NULL,
            state TEXT NOT NULL,
            resolution TEXT NULL,
            closed_by TEXT NULL,
            closed_at_unix_ms INTEGER NULL,
            UNIQUE (rule, officer, day, subject_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS answer_facts (
            id INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL,
            requester_department TEXT NOT NULL,
            answering_department TEXT NOT NULL,
            item_code TEXT NOT NULL,
            sla_class INTEGER NOT NULL,
            received_at_unix_ms INTEGER NOT NULL,
            due_at_unix_ms INTEGER NOT NULL,
            answered_at_unix_ms INTEGER NOT NULL,
            late INTEGER NOT NULL,
            verdict TEXT NOT NULL)
        """,
        // Answers arrive in time order, so the index grows at its right edge only.
        "CREATE INDEX IF NOT EXISTS ix_answer_facts_answered ON answer_facts (answered_at_unix_ms)",
    ];

    public string InsertFact { get; } = $"INSERT INTO answer_facts ({AnswerFacts.InsertColumns}) VALUES ({AnswerFacts.InsertValues})";

    public string SelectFactsAnswered => $"SELECT {AnswerFacts.SelectList} FROM answer_facts WHERE answered_at_unix_ms >= @From AND answered_at_unix_ms < @To";

    public string CountFactsReceived => """
        SELECT answering_department AS Key, COUNT(*) AS Count FROM answer_facts
        WHERE answered_at_unix_ms >= @From AND received_at_unix_ms >= @From AND received_at_unix_ms < @To
        GROUP BY answering_department
        """;

    public string SelectRefusals => """
        SELECT requester_department AS Department, reason AS Reason FROM audit_log
        WHERE seq IN (SELECT seq FROM audit_index WHERE kind = 1 AND recorded_at_unix_ms >= @From AND recorded_at_unix_ms < @To)
        """;

    public string SelectFindingsFound => "SELECT officer AS Officer, state AS State FROM misuse_findings WHERE found_at_unix_ms >= @From AND found_at_unix_ms < @To";

    public string SelectOfficerDepartment => "SELECT requester_department FROM audit_index WHERE officer = @Officer AND requester_department IS NOT NULL LIMIT 1";

    public string SelectHead => "SELECT seq AS Seq, chain_hash AS ChainHash FROM audit_log ORDER BY seq DESC LIMIT 1";

    public string Insert { get; } = AuditRow.Insert("audit_log");

    // The writer's transaction is BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default), so it already holds the write lock here.
    public string SelectHeadForAppend => "SELECT seq AS Seq, chain_hash AS ChainHash FROM audit_log ORDER BY seq DESC LIMIT 1";

    // The verifier and the checkpoints read every record: straight from SQLite's own UTF-8 bytes
    // into the encoding, without a string or a boxed value per column.
    public IAuditChainReader? OpenChainReader(DbConnection connection, long from) =>
        new RawChainReader(((SqliteConnection)connection).Handle!, SelectRange, from);

    // SQLite has no bulk path faster than one prepared statement rebound per row in one
    // transaction; it is bound through SQLite's API directly, for every batch. Through
    // Microsoft.Data.Sqlite's parameters each value cost a binder object and a UTF-8 copy
    // (a tenth of the hub's byte[] allocations under load, measured); text is bound as the
    // string's own UTF-16 here, copied once by SQLite.
    public int BulkInsertMinimum => 1;

    public Task BulkInsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var database = ((SqliteConnection)connection).Handle!;
        Check(database, raw.sqlite3_prepare_v2(database, Insert, out var statement), "preparing the audit insert");
        using (statement)
        {
            var indexes = new int[AuditRow.Parameters.Count];
            for (var i = 0; i < indexes.Length; i++)
            {
                indexes[i] = raw.sqlite3_bind_parameter_index(statement, "@" + AuditRow.Parameters[i]);
            }

            foreach (var row in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var i = 0; i < indexes.Length; i++)
                {
                    Check(database, Bind(statement, indexes[i], row[i]), "binding an audit record");
                }

                var step = raw.sqlite3_step(statement);
                if (step != raw.SQLITE_DONE)
                {
                    Check(database, step, "writing an audit record");
                }

                Check(database, raw.sqlite3_reset(statement), "writing an audit record");
            }
        }

        return Task.CompletedTask;
    }

    private static int Bind(sqlite3_stmt statement, int index, object? value) => value switch
    {
        null => raw.sqlite3_bind_null(statement, index),
        string text => raw.sqlite3_bind_text16(statement, index, text.AsSpan()),
        byte[] blob => raw.sqlite3_bind_blob(statement, index, blob),
        long number => raw.sqlite3_bind_int64(statement, index, number),
        int number => raw.sqlite3_bind_int64(statement, index, number),
        bool flag => raw.sqlite3_bind_int64(statement, index, flag ? 1 : 0),
        _ => throw new ArgumentException($"an audit column cannot hold a {value.GetType().Name}", nameof(value)),
    };

    private static void Check(sqlite3 database, int result, string doing)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite error {result} {doing}: {raw.sqlite3_errmsg(database).utf8_to_string()}", result);
        }
    }

    public string SchemaCheck => "SELECT applicant_digest, subject_role, seal FROM audit_log WHERE 1 = 0";

    public string SelectRange => $"SELECT {AuditRow.SelectList} FROM audit_log WHERE seq >= @From ORDER BY seq LIMIT @Max";

    public string IndexNext => """
        INSERT OR IGNORE INTO audit_index (seq, recorded_at_unix_ms, kind, request_id, subject_id, officer, requester_department, case_number)
        SELECT seq, recorded_at_unix_ms, kind, request_id, subject_id, officer, requester_department, case_number
        FROM audit_log
        WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_index)
        ORDER BY seq
        LIMIT @Max
        """;

    public string SelectByRequest => $"SELECT {AuditRow.SelectList} FROM audit_log WHERE seq IN (SELECT seq FROM audit_index WHERE request_id = @RequestId) ORDER BY seq";

    public string SelectSearch => $"""
        SELECT {AuditRow.SelectList} FROM audit_log WHERE seq IN (SELECT seq FROM audit_index
        WHERE (@SubjectId IS NULL OR subject_id = @SubjectId)
          AND (@Officer IS NULL OR officer = @Officer)
          AND (@Department IS NULL OR requester_department = @Department)
          AND (@CaseNumber IS NULL OR case_number = @CaseNumber)
          AND recorded_at_unix_ms >= @FromMs AND recorded_at_unix_ms < @ToMs AND seq < @BeforeSeq)
        ORDER BY seq DESC LIMIT @Max
        """;

    public string DeleteRange => "DELETE FROM audit_log WHERE seq >= @From AND seq <= @To; DELETE FROM audit_index WHERE seq >= @From AND seq <= @To";

    public string SelectWindow => $"SELECT {AuditRow.SelectList} FROM audit_log WHERE seq IN (SELECT seq FROM audit_index WHERE recorded_at_unix_ms >= @FromMs AND recorded_at_unix_ms < @ToMs AND seq > @AfterSeq) ORDER BY seq LIMIT @Max";

    public string SelectDailyLookups => """
        SELECT officer AS Officer, (recorded_at_unix_ms + @OffsetMs) / 86400000 AS Day, COUNT(*) AS Count
        FROM audit_index
        WHERE kind IN (2, 3) AND officer IS NOT NULL AND recorded_at_unix_ms >= @FromMs AND recorded_at_unix_ms < @ToMs
        GROUP BY officer, (recorded_at_unix_ms + @OffsetMs) / 86400000
        """;

    public string InsertFinding => """
        INSERT OR IGNORE INTO misuse_findings (rule, officer, day, subject_id, count, detail, found_at_unix_ms, state)
        VALUES (@Rule, @Officer, @Day, @SubjectId, @Count, @Detail, @FoundAtUnixMs, 'open')
        """;

    public string SelectFindings => $"""
        SELECT {MisuseFindingStore.SelectList} FROM misuse_findings
        WHERE (@IncludeClosed = 1 OR state = 'open') AND (@Rule IS NULL OR rule = @Rule) AND (@Officer IS NULL OR officer = @Officer)
        ORDER BY id DESC LIMIT @Max
        """;

    public string SelectFinding => $"SELECT {MisuseFindingStore.SelectList} FROM misuse_findings WHERE id = @Id";

    public string CloseFinding => "UPDATE misuse_findings SET state = @State, resolution = @Resolution, closed_by = @ClosedBy, closed_at_unix_ms = @ClosedAtUnixMs WHERE id = @Id AND state = 'open'";

    public string SelectBySubject => $"SELECT {AuditRow.SelectList} FROM audit_log WHERE seq IN (SELECT seq FROM audit_index WHERE subject_id = @SubjectId) ORDER BY seq DESC LIMIT @Max";

    private sealed class RawChainReader : IAuditChainReader
    {
        private readonly sqlite3_stmt _statement;

        public RawChainReader(sqlite3 database, string sql, long from)
        {
            Check(database, raw.sqlite3_prepare_v2(database, sql, out _statement), "reading the audit chain");
            raw.sqlite3_bind_int64(_statement, raw.sqlite3_bind_parameter_index(_statement, "@From"), from);
            raw.sqlite3_bind_int64(_statement, raw.sqlite3_bind_parameter_index(_statement, "@Max"), -1);
        }

        public int Read(AuditLeafPage page, int max)
        {
            var read = 0;
            var statement = _statement.DangerousGetHandle();
            while (read < max)
            {
                var step = raw.sqlite3_step(_statement);
                if (step == raw.SQLITE_DONE)
                {
                    break;
                }

                if (step != raw.SQLITE_ROW)
                {
                    Check(raw.sqlite3_db_handle(_statement), step, "reading the audit chain");
                }

                page.Begin(SqliteColumns.Int64(statement, AuditRow.Seq), SqliteColumns.Bytes(statement, AuditRow.ChainHash),
                    SqliteColumns.Int64(statement, AuditRow.RecordedAt), (int)SqliteColumns.Int64(statement, AuditRow.Kind));
                foreach (var column in AuditRow.ChainTextColumns)
                {
                    if (SqliteColumns.IsNull(statement, column))
                    {
                        page.NullText();
                    }
                    else
                    {
                        page.Text(SqliteColumns.Bytes(statement, column));
                    }
                }

                if (SqliteColumns.IsNull(statement, AuditRow.SubjectId))
                {
                    page.NoSubject();
                }
                else
                {
                    page.Subject(SqliteColumns.Bytes(statement, AuditRow.SubjectKind), SqliteColumns.Bytes(statement, AuditRow.SubjectId));
                }

                page.End(SqliteColumns.Int64(statement, AuditRow.Late) != 0);
                read++;
            }

            return read;
        }

        public void Dispose() => _statement.Dispose();
    }
}
