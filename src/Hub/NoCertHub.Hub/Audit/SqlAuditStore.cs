using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Audit;

/// <summary>The audit store's logic, shared by every engine; the SQL text comes from the dialect.</summary>
internal sealed class SqlAuditStore(IAuditSqlDialect dialect, string connectionString, AuditChain chain) : IAuditStore
{
    private const int ScanPage = 32_768;

    /// <summary>The parameter names the store binds for each audit_log row, in order.</summary>
    internal static IReadOnlyList<string> InsertParameters => Row.Columns;

    // Appends are serialised by the chain's head lock, and the writer runs one batch at a time.
    [ThreadStatic]
    private static AuditLeafPage? t_appendPage;

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        foreach (var statement in dialect.CreateSchema)
        {
            await connection.ExecuteAsync(new CommandDefinition(statement, cancellationToken: cancellationToken));
        }

        try
        {
            await connection.ExecuteAsync(new CommandDefinition(dialect.SchemaCheck, cancellationToken: cancellationToken));
        }
        catch (DbException e)
        {
            throw new InvalidOperationException(
                "The audit database was written by an earlier version of the hub (its audit_log lacks applicant_digest and subject_role, chain encoding 1). "
                + "Verify it with that version, archive it, and point Audit:ConnectionString at a new database.", e);
        }
    }

    public async Task<long> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var head = await connection.QuerySingleOrDefaultAsync<Head>(new CommandDefinition(dialect.SelectHeadForAppend, transaction: transaction, cancellationToken: cancellationToken));
        var seq = head?.Seq ?? 0;
        var page = t_appendPage ??= new AuditLeafPage();
        page.Clear();
        foreach (var record in records)
        {
            page.Add(++seq, record);
        }

        // The writer's path: answers wait on it, and its batches are small.
        page.ComputeLeaves(chain, allCores: false);
        var previous = head?.ChainHash ?? AuditChain.Genesis.ToArray();
        var rows = new List<Row>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var row = Row.From(records[i]);
            row.Seq = page.Seq(i);
            row.ChainHash = new byte[AuditChain.HashSize];
            AuditChain.Chain(previous, page.Leaf(i), row.ChainHash);
            previous = row.ChainHash;
            rows.Add(row);
        }

        await InsertAsync(connection, transaction, rows, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    public async Task<int> IndexPendingAsync(CancellationToken cancellationToken)
    {
        const int Page = 5000;
        var indexed = 0;
        await using var connection = await OpenAsync(cancellationToken);
        while (true)
        {
            // One statement a page, run inside the database: records never travel to the hub and back.
            var added = await connection.ExecuteAsync(new CommandDefinition(dialect.IndexNext, new { Max = Page }, cancellationToken: cancellationToken));
            indexed += added;
            if (added < Page)
            {
                return indexed;
            }
        }
    }

    public async Task<IReadOnlyList<AuditRecord>> ReadRangeAsync(long from, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ReadRangeAsync(connection, from, max, cancellationToken);
    }

    public async IAsyncEnumerable<AuditLeafPage> ScanChainAsync(long from, bool allCores, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var reader = dialect.OpenChainReader(connection, from) ?? new DataReaderChainReader(connection, dialect.SelectRange, from);
        // Two pages in turn: on all cores, the next one is read and hashed while the caller chains this one.
        AuditLeafPage[] pages = [new(), new()];
        var next = Fill(pages[0]);
        try
        {
            for (var turn = 1; ; turn++)
            {
                var page = await next;
                var more = page.Count == ScanPage;
                next = more ? Fill(pages[turn % 2]) : Task.FromResult(page);
                if (page.Count > 0)
                {
                    yield return page;
                }

                if (!more)
                {
                    yield break;
                }
            }
        }
        finally
        {
            // The reader must not be disposed under a page still being filled.
            await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Task<AuditLeafPage> Fill(AuditLeafPage page) => allCores ? Task.Run(() => FillNow(page), cancellationToken) : Task.FromResult(FillNow(page));

        AuditLeafPage FillNow(AuditLeafPage page)
        {
            cancellationToken.ThrowIfCancellationRequested();
            page.Clear();
            reader.Read(page, ScanPage);
            page.ComputeLeaves(chain, allCores);
            return page;
        }
    }

    private async Task<IReadOnlyList<AuditRecord>> ReadRangeAsync(DbConnection connection, long from, int max, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = dialect.SelectRange;
        AddParameter(command, "@From", from);
        AddParameter(command, "@Max", max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<AuditRecord>(Math.Min(max, 65_536));
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(ReadRecord(reader));
        }

        return records;
    }

    // SelectRange's columns, in order, as a record.
    private static AuditRecord ReadRecord(DbDataReader reader) => new()
    {
        Seq = reader.GetInt64(0),
        ChainHash = (byte[])reader.GetValue(1),
        RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
        Kind = (AuditKind)reader.GetInt32(3),
        RequestId = Text(reader, 4),
        ItemCode = Text(reader, 5),
        SubjectKind = Text(reader, 6),
        SubjectId = Text(reader, 7),
        CaseNumber = Text(reader, 8),
        Purpose = Text(reader, 9),
        RequesterDepartment = Text(reader, 10),
        Window = Text(reader, 11),
        Officer = Text(reader, 12),
        Verdict = Text(reader, 13),
        DisclosedFields = Text(reader, 14),
        AnsweringDepartment = Text(reader, 15),
        AnsweringAgent = Text(reader, 16),
        HubInstance = reader.GetString(17),
        Late = reader.GetBoolean(18),
        Reason = Text(reader, 19),
        ApplicantDigest = Text(reader, 20),
        SubjectRole = Text(reader, 21),
    };

    /// <summary>Any engine's chain reader: one open SelectRange, records mapped and encoded.</summary>
    private sealed class DataReaderChainReader : IAuditChainReader
    {
        private readonly DbCommand _command;
        private readonly DbDataReader _reader;

        public DataReaderChainReader(DbConnection connection, string selectRange, long from)
        {
            _command = connection.CreateCommand();
            _command.CommandText = selectRange;
            AddParameter(_command, "@From", from);
            AddParameter(_command, "@Max", int.MaxValue);
            _reader = _command.ExecuteReader();
        }

        public int Read(AuditLeafPage page, int max)
        {
            var read = 0;
            while (read < max && _reader.Read())
            {
                var record = ReadRecord(_reader);
                page.Add(record.Seq, record);
                read++;
            }

            return read;
        }

        public void Dispose()
        {
            _reader.Dispose();
            _command.Dispose();
        }
    }

    public async Task DeleteRangeAsync(long from, long to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(dialect.DeleteRange, new { From = from, To = to }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<AuditRecord>> ReadWindowAsync(DateTimeOffset from, DateTimeOffset to, long afterSeq, int max, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        var parameters = new { FromMs = from.ToUnixTimeMilliseconds(), ToMs = to.ToUnixTimeMilliseconds(), AfterSeq = afterSeq, Max = max };
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(dialect.SelectWindow, parameters, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<IReadOnlyList<DailyLookups>> DailyLookupsAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan districtOffset, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        var parameters = new { FromMs = from.ToUnixTimeMilliseconds(), ToMs = to.ToUnixTimeMilliseconds(), OffsetMs = (long)districtOffset.TotalMilliseconds };
        var rows = await connection.QueryAsync<DailyRow>(new CommandDefinition(dialect.SelectDailyLookups, parameters, cancellationToken: cancellationToken));
        return rows.Select(r => new DailyLookups(r.Officer, r.Day, (int)r.Count)).ToList();
    }

    public async Task<bool> AddFindingAsync(MisuseFindingRecord finding, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var added = await connection.ExecuteAsync(new CommandDefinition(dialect.InsertFinding, new
        {
            finding.Rule,
            finding.Officer,
            finding.Day,
            finding.SubjectId,
            finding.Count,
            finding.Detail,
            FoundAtUnixMs = finding.FoundAt.ToUnixTimeMilliseconds(),
        }, cancellationToken: cancellationToken));
        return added > 0;
    }

    public async Task<IReadOnlyList<MisuseFindingRecord>> ListFindingsAsync(bool includeClosed, string? rule, string? officer, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<FindingRow>(new CommandDefinition(
            dialect.SelectFindings, new { IncludeClosed = includeClosed ? 1 : 0, Rule = rule, Officer = officer, Max = max }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<MisuseFindingRecord?> GetFindingAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<FindingRow>(new CommandDefinition(dialect.SelectFinding, new { Id = id }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<bool> CloseFindingAsync(long id, string resolution, string closedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            dialect.CloseFinding, new { Id = id, Resolution = resolution, ClosedBy = closedBy, ClosedAtUnixMs = at.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
        return changed > 0;
    }

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    public async Task<IReadOnlyList<AuditRecord>> FindByRequestAsync(string requestId, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(dialect.SelectByRequest, new { RequestId = requestId }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<IReadOnlyList<AuditRecord>> FindBySubjectAsync(string subjectId, int max, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(dialect.SelectBySubject, new { SubjectId = subjectId, Max = max }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<IReadOnlyList<AuditRecord>> SearchAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        var parameters = new
        {
            query.SubjectId,
            query.Officer,
            query.Department,
            query.CaseNumber,
            FromMs = query.From.ToUnixTimeMilliseconds(),
            ToMs = query.To.ToUnixTimeMilliseconds(),
            query.BeforeSeq,
            query.Max,
        };
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(dialect.SelectSearch, parameters, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    // A bulk operation where the engine has one worth its cost (SQL Server's SqlBulkCopy); otherwise
    // one prepared command, its parameters rebound per row: several times cheaper than building
    // the command for every row.
    private async Task InsertAsync(DbConnection connection, DbTransaction transaction, List<Row> rows, CancellationToken cancellationToken)
    {
        if (rows.Count >= dialect.BulkInsertMinimum)
        {
            var table = rows.Select(row =>
            {
                var v = new object?[Row.Columns.Length];
                row.CopyTo(v);
                return v;
            }).ToList();
            await dialect.BulkInsertAsync(connection, transaction, Row.Columns, table, cancellationToken);
            return;
        }

        // The answer path: one values array reused for every row.
        await using var command = connection.CreateCommand();
        var parameters = await PrepareAsync(command, dialect.Insert, transaction, Row.Columns, cancellationToken);
        var values = new object?[parameters.Length];
        foreach (var row in rows)
        {
            row.CopyTo(values);
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    // A statement run once per row of a batch: parameters made and the statement prepared once.
    private static async Task<DbParameter[]> PrepareAsync(DbCommand command, string sql, DbTransaction transaction, IEnumerable<string> names, CancellationToken cancellationToken)
    {
        command.CommandText = sql;
        command.Transaction = transaction;
        var parameters = names.Select(name =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        await command.PrepareAsync(cancellationToken);
        return parameters;
    }

    private Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        SqlConnections.OpenAsync(dialect.CreateConnection(connectionString), dialect.OnOpen, cancellationToken);

    private sealed class DailyRow
    {
        public string Officer { get; set; } = "";
        public long Day { get; set; }
        public long Count { get; set; }
    }

    private sealed class FindingRow
    {
        public long Id { get; set; }
        public string Rule { get; set; } = "";
        public string Officer { get; set; } = "";
        public string Day { get; set; } = "";
        public string SubjectId { get; set; } = "";
        public long Count { get; set; }
        public string Detail { get; set; } = "";
        public long FoundAtUnixMs { get; set; }
        public string State { get; set; } = "";
        public string? Resolution { get; set; }
        public string? ClosedBy { get; set; }
        public long? ClosedAtUnixMs { get; set; }

        public MisuseFindingRecord ToRecord() => new()
        {
            Id = Id,
            Rule = Rule,
            Officer = Officer,
            Day = Day,
            SubjectId = SubjectId,
            Count = (int)Count,
            Detail = Detail,
            FoundAt = DateTimeOffset.FromUnixTimeMilliseconds(FoundAtUnixMs),
            Open = State == "open",
            Resolution = Resolution,
            ClosedBy = ClosedBy,
            ClosedAt = ClosedAtUnixMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
        };
    }

    private sealed class Head
    {
        public long Seq { get; set; }
        public byte[] ChainHash { get; set; } = [];
    }

    // Column-shaped mirror of AuditRecord, so Dapper maps plain values both ways on every engine.
    private sealed class Row
    {
        public long Seq { get; set; }
        public byte[] ChainHash { get; set; } = [];
        public long RecordedAtUnixMs { get; set; }
        public int Kind { get; set; }
        public string? RequestId { get; set; }
        public string? ItemCode { get; set; }
        public string? SubjectKind { get; set; }
        public string? SubjectId { get; set; }
        public string? CaseNumber { get; set; }
        public string? Purpose { get; set; }
        public string? RequesterDepartment { get; set; }
        public string? Window { get; set; }
        public string? Officer { get; set; }
        public string? Verdict { get; set; }
        public string? DisclosedFields { get; set; }
        public string? AnsweringDepartment { get; set; }
        public string? AnsweringAgent { get; set; }
        public string HubInstance { get; set; } = "";
        public bool Late { get; set; }
        public string? Reason { get; set; }
        public string? ApplicantDigest { get; set; }
        public string? SubjectRole { get; set; }

        /// <summary>The insert's parameter names, in the order <see cref="CopyTo"/> fills values.</summary>
        public static readonly string[] Columns =
        [
            nameof(Seq), nameof(ChainHash), nameof(RecordedAtUnixMs), nameof(Kind), nameof(RequestId), nameof(ItemCode), nameof(SubjectKind),
            nameof(SubjectId), nameof(CaseNumber), nameof(Purpose), nameof(RequesterDepartment), nameof(Window), nameof(Officer), nameof(Verdict),
            nameof(DisclosedFields), nameof(AnsweringDepartment), nameof(AnsweringAgent), nameof(HubInstance), nameof(Late), nameof(Reason),
            nameof(ApplicantDigest), nameof(SubjectRole),
        ];

        public void CopyTo(object?[] values)
        {
            values[0] = Seq;
            values[1] = ChainHash;
            values[2] = RecordedAtUnixMs;
            values[3] = Kind;
            values[4] = RequestId;
            values[5] = ItemCode;
            values[6] = SubjectKind;
            values[7] = SubjectId;
            values[8] = CaseNumber;
            values[9] = Purpose;
            values[10] = RequesterDepartment;
            values[11] = Window;
            values[12] = Officer;
            values[13] = Verdict;
            values[14] = DisclosedFields;
            values[15] = AnsweringDepartment;
            values[16] = AnsweringAgent;
            values[17] = HubInstance;
            values[18] = Late;
            values[19] = Reason;
            values[20] = ApplicantDigest;
            values[21] = SubjectRole;
        }

        public static Row From(AuditRecord r) => new()
        {
            RecordedAtUnixMs = r.RecordedAt.ToUnixTimeMilliseconds(),
            Kind = (int)r.Kind,
            RequestId = r.RequestId,
            ItemCode = r.ItemCode,
            SubjectKind = r.SubjectKind,
            SubjectId = r.SubjectId,
            CaseNumber = r.CaseNumber,
            Purpose = r.Purpose,
            RequesterDepartment = r.RequesterDepartment,
            Window = r.Window,
            Officer = r.Officer,
            Verdict = r.Verdict,
            DisclosedFields = r.DisclosedFields,
            AnsweringDepartment = r.AnsweringDepartment,
            AnsweringAgent = r.AnsweringAgent,
            HubInstance = r.HubInstance,
            Late = r.Late,
            Reason = r.Reason,
            ApplicantDigest = r.ApplicantDigest,
            SubjectRole = r.SubjectRole,
        };

        public AuditRecord ToRecord() => new()
        {
            RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(RecordedAtUnixMs),
            Kind = (AuditKind)Kind,
            RequestId = RequestId,
            ItemCode = ItemCode,
            SubjectKind = SubjectKind,
            SubjectId = SubjectId,
            CaseNumber = CaseNumber,
            Purpose = Purpose,
            RequesterDepartment = RequesterDepartment,
            Window = Window,
            Officer = Officer,
            Verdict = Verdict,
            DisclosedFields = DisclosedFields,
            AnsweringDepartment = AnsweringDepartment,
            AnsweringAgent = AnsweringAgent,
            HubInstance = HubInstance,
            Late = Late,
            Reason = Reason,
            ApplicantDigest = ApplicantDigest,
            SubjectRole = SubjectRole,
            Seq = Seq,
            ChainHash = ChainHash,
        };
    }
}
