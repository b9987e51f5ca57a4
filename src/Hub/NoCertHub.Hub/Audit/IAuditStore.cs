namespace NoCertHub.Hub.Audit;

/// <summary>Where audit records are kept. One implementation per SQL engine dialect.</summary>
internal interface IAuditStore
{
    Task EnsureSchemaAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Appends the records to the end of the chain in one transaction: all are durable when this
    /// completes, or none. Returns the position of the last one.
    /// </summary>
    Task<long> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// Brings the search index up to the chain's current end. Searches do this first, so they see
    /// every record written before they started; a background indexer keeps it nearly current.
    /// </summary>
    /// <returns>How many records it indexed (0: the index was current).</returns>
    Task<int> IndexPendingAsync(CancellationToken cancellationToken);

    /// <summary>Records from position <paramref name="from"/> on, in chain order, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadRangeAsync(long from, int max, CancellationToken cancellationToken);

    /// <summary>
    /// The chain from position <paramref name="from"/> to its end, as pages of encoded records with
    /// their leaf hashes; a page is only valid until the next is asked for. With
    /// <paramref name="allCores"/> the next page is read, and its leaves hashed on every core, while
    /// the caller chains this one — for the verifier, which has the machine to itself; without, the
    /// scan keeps to the caller's core — for the checkpoints, which run beside live traffic (on two
    /// cores, a checkpoint on both stalled answers for a quarter of a second each minute).
    /// </summary>
    IAsyncEnumerable<AuditLeafPage> ScanChainAsync(long from, bool allCores, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> FindByRequestAsync(string requestId, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> FindBySubjectAsync(string subjectId, int max, CancellationToken cancellationToken);

    /// <summary>Records matching every given filter, newest first, before position <see cref="AuditQuery.BeforeSeq"/>.</summary>
    Task<IReadOnlyList<AuditRecord>> SearchAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Removes positions <paramref name="from"/> to <paramref name="to"/>; only the archiver calls this, after archiving them.</summary>
    Task DeleteRangeAsync(long from, long to, CancellationToken cancellationToken);

    /// <summary>Records in [<paramref name="from"/>, <paramref name="to"/>) after position <paramref name="afterSeq"/>, in chain order.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadWindowAsync(DateTimeOffset from, DateTimeOffset to, long afterSeq, int max, CancellationToken cancellationToken);

    /// <summary>Answered and late lookups per officer per district day (days since the epoch, district time).</summary>
    Task<IReadOnlyList<DailyLookups>> DailyLookupsAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan districtOffset, CancellationToken cancellationToken);

    /// <summary>Records a finding unless the same one (rule, officer, day, subject) is on record; true when added.</summary>
    Task<bool> AddFindingAsync(MisuseFindingRecord finding, CancellationToken cancellationToken);

    Task<IReadOnlyList<MisuseFindingRecord>> ListFindingsAsync(bool includeClosed, string? rule, string? officer, int max, CancellationToken cancellationToken);

    Task<MisuseFindingRecord?> GetFindingAsync(long id, CancellationToken cancellationToken);

    /// <summary>Closes an open finding; false when it is unknown or already closed.</summary>
    Task<bool> CloseFindingAsync(long id, string resolution, string closedBy, DateTimeOffset at, CancellationToken cancellationToken);
}

internal sealed record DailyLookups(string Officer, long Day, int Count);

/// <summary>Possible misuse found by a rule, for the joint office. <see cref="SubjectId"/> is empty for rules not about one subject.</summary>
internal sealed record MisuseFindingRecord
{
    public long Id { get; init; }
    public required string Rule { get; init; }
    public required string Officer { get; init; }
    public required string Day { get; init; }
    public string SubjectId { get; init; } = "";
    public int Count { get; init; }
    public required string Detail { get; init; }
    public DateTimeOffset FoundAt { get; init; }
    public bool Open { get; init; } = true;
    public string? Resolution { get; init; }
    public string? ClosedBy { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
}

/// <summary>A search of the trail; null filters match anything.</summary>
internal sealed record AuditQuery(
    string? SubjectId, string? Officer, string? Department, string? CaseNumber, DateTimeOffset From, DateTimeOffset To, long BeforeSeq, int Max);

/// <summary>Writes records durably; completes when the record is committed.</summary>
internal interface IAuditLog
{
    Task WriteAsync(AuditRecord record, CancellationToken cancellationToken);
}
