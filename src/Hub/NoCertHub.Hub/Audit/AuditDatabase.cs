using System.Data.Common;
using Dapper;
using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// The audit database: its engine's dialect, its connections and its schema. The chain, its search
/// index and the misuse findings are kept in it by one store each.
/// </summary>
internal sealed class AuditDatabase(IAuditSqlDialect dialect, string connectionString)
{
    public IAuditSqlDialect Dialect => dialect;

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
                "The audit database was written by an earlier version of the hub (its audit_log lacks applicant_digest, subject_role or seal: an older chain encoding). "
                + "Verify it with that version, archive it, and point Audit:ConnectionString at a new database.", e);
        }
    }

    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        SqlConnections.OpenAsync(dialect.CreateConnection(connectionString), dialect.OnOpen, cancellationToken);

    /// <summary>Runs a statement that selects <see cref="AuditRow.SelectList"/> and maps every row through <see cref="AuditRow.Read"/>.</summary>
    public async Task<IReadOnlyList<AuditRecord>> QueryRecordsAsync(string sql, object parameters, CancellationToken cancellationToken, int expected = 16)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        var records = new List<AuditRecord>(expected);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(AuditRow.Read(reader));
        }

        return records;
    }
}
