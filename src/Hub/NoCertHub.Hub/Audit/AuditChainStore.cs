using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// The chained table: appends at its end, reads and scans in chain order, and the archiver's
/// removal of archived ranges. Nothing else writes audit_log.
/// </summary>
internal sealed class AuditChainStore(AuditDatabase database, AuditChain chain)
{
    private const int ScanPage = 32_768;

    // Appends are serialised by the chain's head lock, and the writer runs one batch at a time.
    [ThreadStatic]
    private static AuditLeafPage? t_appendPage;

    private IAuditSqlDialect Dialect => database.Dialect;

    /// <summary>Creates the audit database's tables where missing; fails on one written by an older encoding.</summary>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => database.EnsureSchemaAsync(cancellationToken);

    /// <summary>
    /// Appends the records to the end of the chain in one transaction: all are durable when this
    /// completes, or none. Returns the position of the last one.
    /// </summary>
    public async Task<long> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var head = await connection.QuerySingleOrDefaultAsync<Head>(new CommandDefinition(Dialect.SelectHeadForAppend, transaction: transaction, cancellationToken: cancellationToken));
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
        var rows = new List<object?[]>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var chainHash = new byte[AuditChain.HashSize];
            AuditChain.Chain(previous, page.Leaf(i), chainHash);
            previous = chainHash;
            var values = new object?[AuditRow.Columns.Count];
            AuditRow.Write(records[i], page.Seq(i), chainHash, values);
            rows.Add(values);
        }

        await InsertAsync(connection, transaction, rows, cancellationToken);
        await InsertFactsAsync(connection, transaction, records, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    // Answers' timing for the evaluation, in the chain's transaction: an answer on record has its facts.
    private async Task InsertFactsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        var rows = records.Where(r => r.Timing is not null).Select(r => AnswerFacts.Values(r, r.Timing!)).ToList();
        if (rows.Count > 0)
        {
            await ExecutePreparedAsync(connection, transaction, Dialect.InsertFact, AnswerFacts.Parameters, rows, cancellationToken);
        }
    }

    /// <summary>Records from position <paramref name="from"/> on, in chain order, at most <paramref name="max"/>.</summary>
    public Task<IReadOnlyList<AuditRecord>> ReadRangeAsync(long from, int max, CancellationToken cancellationToken) =>
        database.QueryRecordsAsync(Dialect.SelectRange, new { From = from, Max = max }, cancellationToken, Math.Min(max, 65_536));

    /// <summary>
    /// The chain from position <paramref name="from"/> to its end, as pages of encoded records with
    /// their leaf hashes; a page is only valid until the next is asked for. With
    /// <paramref name="allCores"/> the next page is read, and its leaves hashed on every core, while
    /// the caller chains this one — for the verifier, which has the machine to itself; without, the
    /// scan keeps to the caller's core — for the checkpoints, which run beside live traffic (on two
    /// cores, a checkpoint on both stalled answers for a quarter of a second each minute).
    /// </summary>
    public async IAsyncEnumerable<AuditLeafPage> ScanChainAsync(long from, bool allCores, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        using var reader = Dialect.OpenChainReader(connection, from) ?? new DataReaderChainReader(connection, Dialect.SelectRange, from);
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

    /// <summary>Removes positions <paramref name="from"/> to <paramref name="to"/>; only the archiver calls this, after archiving them.</summary>
    public async Task DeleteRangeAsync(long from, long to, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(Dialect.DeleteRange, new { From = from, To = to }, cancellationToken: cancellationToken));
    }

    // A bulk operation where the engine has one worth its cost (SQL Server's SqlBulkCopy); otherwise
    // one prepared command, its parameters rebound per row: several times cheaper than building
    // the command for every row.
    private async Task InsertAsync(DbConnection connection, DbTransaction transaction, List<object?[]> rows, CancellationToken cancellationToken)
    {
        if (rows.Count >= Dialect.BulkInsertMinimum)
        {
            await Dialect.BulkInsertAsync(connection, transaction, rows, cancellationToken);
            return;
        }

        await ExecutePreparedAsync(connection, transaction, Dialect.Insert, AuditRow.Parameters, rows, cancellationToken);
    }

    // One prepared command, its parameters rebound for each row.
    private static async Task ExecutePreparedAsync(
        DbConnection connection, DbTransaction transaction, string sql, IReadOnlyList<string> names, List<object?[]> rows, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
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
        foreach (var values in rows)
        {
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private sealed class Head
    {
        public long Seq { get; set; }
        public byte[] ChainHash { get; set; } = [];
    }

    /// <summary>Any engine's chain reader: one open SelectRange, records mapped and encoded.</summary>
    private sealed class DataReaderChainReader : IAuditChainReader
    {
        private readonly DbCommand _command;
        private readonly DbDataReader _reader;

        public DataReaderChainReader(DbConnection connection, string selectRange, long from)
        {
            _command = connection.CreateCommand();
            _command.CommandText = selectRange;
            Add("@From", from);
            Add("@Max", int.MaxValue);
            _reader = _command.ExecuteReader();

            void Add(string name, object value)
            {
                var parameter = _command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                _command.Parameters.Add(parameter);
            }
        }

        public int Read(AuditLeafPage page, int max)
        {
            var read = 0;
            while (read < max && _reader.Read())
            {
                var record = AuditRow.Read(_reader);
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
}
