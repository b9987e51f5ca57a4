using Dapper;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// The trail's search index (audit_index), fed from the chain inside the database, and every
/// search over it. Each search first brings the index up to the chain's end, so it sees every
/// record written before it started.
/// </summary>
internal sealed class AuditSearchIndex(AuditDatabase database)
{
    private const int IndexPage = 5000;

    private IAuditSqlDialect Dialect => database.Dialect;

    /// <summary>
    /// Brings the search index up to the chain's current end; a background indexer keeps it nearly current.
    /// </summary>
    /// <returns>How many records it indexed (0: the index was current).</returns>
    public async Task<int> IndexPendingAsync(CancellationToken cancellationToken)
    {
        var indexed = 0;
        await using var connection = await database.OpenAsync(cancellationToken);
        while (true)
        {
            // One statement a page, run inside the database: records never travel to the hub and back.
            var added = await connection.ExecuteAsync(new CommandDefinition(Dialect.IndexNext, new { Max = IndexPage }, cancellationToken: cancellationToken));
            indexed += added;
            if (added < IndexPage)
            {
                return indexed;
            }
        }
    }

    public async Task<IReadOnlyList<AuditRecord>> FindByRequestAsync(string requestId, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
        return await database.QueryRecordsAsync(Dialect.SelectByRequest, new { RequestId = requestId }, cancellationToken);
    }

    public async Task<IReadOnlyList<AuditRecord>> FindBySubjectAsync(string subjectId, int max, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
        return await database.QueryRecordsAsync(Dialect.SelectBySubject, new { SubjectId = subjectId, Max = max }, cancellationToken);
    }

    /// <summary>Records matching every given filter, newest first, before position <see cref="AuditQuery.BeforeSeq"/>.</summary>
    public async Task<IReadOnlyList<AuditRecord>> SearchAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
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
        return await database.QueryRecordsAsync(Dialect.SelectSearch, parameters, cancellationToken);
    }

    /// <summary>Records in [<paramref name="from"/>, <paramref name="to"/>) after position <paramref name="afterSeq"/>, in chain order.</summary>
    public async Task<IReadOnlyList<AuditRecord>> ReadWindowAsync(DateTimeOffset from, DateTimeOffset to, long afterSeq, int max, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
        var parameters = new { FromMs = from.ToUnixTimeMilliseconds(), ToMs = to.ToUnixTimeMilliseconds(), AfterSeq = afterSeq, Max = max };
        return await database.QueryRecordsAsync(Dialect.SelectWindow, parameters, cancellationToken);
    }

    /// <summary>Answered and late lookups per officer per district day (days since the epoch, district time).</summary>
    public async Task<IReadOnlyList<DailyLookups>> DailyLookupsAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan districtOffset, CancellationToken cancellationToken)
    {
        await IndexPendingAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var parameters = new { FromMs = from.ToUnixTimeMilliseconds(), ToMs = to.ToUnixTimeMilliseconds(), OffsetMs = (long)districtOffset.TotalMilliseconds };
        var rows = await connection.QueryAsync<DailyRow>(new CommandDefinition(Dialect.SelectDailyLookups, parameters, cancellationToken: cancellationToken));
        return rows.Select(r => new DailyLookups(r.Officer, r.Day, (int)r.Count)).ToList();
    }

    private sealed class DailyRow
    {
        public string Officer { get; set; } = "";
        public long Day { get; set; }
        public long Count { get; set; }
    }
}

internal sealed record DailyLookups(string Officer, long Day, int Count);

/// <summary>A search of the trail; null filters match anything.</summary>
internal sealed record AuditQuery(
    string? SubjectId, string? Officer, string? Department, string? CaseNumber, DateTimeOffset From, DateTimeOffset To, long BeforeSeq, int Max);
