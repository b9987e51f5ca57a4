namespace NoCertHub.Hub.Audit;

/// <summary>Where audit records are kept. One implementation per SQL engine dialect.</summary>
internal interface IAuditStore
{
    Task EnsureSchemaAsync(CancellationToken cancellationToken);

    /// <summary>Appends the records in one transaction: all are durable when this completes, or none.</summary>
    Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> FindByRequestAsync(string requestId, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> FindBySubjectAsync(string subjectId, int max, CancellationToken cancellationToken);
}

/// <summary>Writes records durably; completes when the record is committed.</summary>
internal interface IAuditLog
{
    Task WriteAsync(AuditRecord record, CancellationToken cancellationToken);
}
