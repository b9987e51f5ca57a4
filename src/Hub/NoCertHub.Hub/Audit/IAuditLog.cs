namespace NoCertHub.Hub.Audit;

/// <summary>Writes records durably; completes when the record is committed.</summary>
internal interface IAuditLog
{
    Task WriteAsync(AuditRecord record, CancellationToken cancellationToken);
}
