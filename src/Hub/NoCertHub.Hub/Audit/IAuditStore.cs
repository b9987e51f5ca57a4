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

    /// <summary>Records from position <paramref name="from"/> on, in chain order, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadRangeAsync(long from, int max, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> FindByRequestAsync(string requestId, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> FindBySubjectAsync(string subjectId, int max, CancellationToken cancellationToken);

    /// <summary>Records matching every given filter, newest first, before position <see cref="AuditQuery.BeforeSeq"/>.</summary>
    Task<IReadOnlyList<AuditRecord>> SearchAsync(AuditQuery query, CancellationToken cancellationToken);
}

/// <summary>A search of the trail; null filters match anything.</summary>
internal sealed record AuditQuery(
    string? SubjectId, string? Officer, string? Department, string? CaseNumber, DateTimeOffset From, DateTimeOffset To, long BeforeSeq, int Max);

/// <summary>Writes records durably; completes when the record is committed.</summary>
internal interface IAuditLog
{
    Task WriteAsync(AuditRecord record, CancellationToken cancellationToken);
}
