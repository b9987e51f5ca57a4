using Dapper;
using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Complaints;

/// <summary>A complaint as kept: its intake, and each transition with who and when.</summary>
internal sealed record ComplaintRecord
{
    public long Id { get; init; }
    public int Channel { get; init; }
    public int Kind { get; init; }
    public string Department { get; init; } = "";
    public string? ComplainantKey { get; init; }
    public string? Contact { get; init; }
    public string Text { get; init; } = "";
    public string? CaseNumber { get; init; }
    public string? RequestId { get; init; }
    public string? EscalationRequestId { get; init; }
    public long? MisuseFindingId { get; init; }
    public long ReceivedAtUnixMs { get; init; }
    public string ReceivedBy { get; init; } = "";
    public string ReceivedThrough { get; init; } = "";
    public long DueAtUnixMs { get; init; }
    public string State { get; init; } = "";
    public string? AssignedTo { get; init; }
    public string? AssignedBy { get; init; }
    public long? AssignedAtUnixMs { get; init; }
    public int? Finding { get; init; }
    public string? ActionTaken { get; init; }
    public string? ResolvedBy { get; init; }
    public long? ResolvedAtUnixMs { get; init; }
}

/// <summary>The filters of a listing; null matches any.</summary>
internal sealed record ComplaintFilter(string? State, string? Department, string? ComplainantKey, long? OverdueAtMs);

/// <summary>Complaints in their SQL store (SQLite by default, SQL Server in production); the schema is made on first use.</summary>
internal sealed class ComplaintStore(IComplaintSqlDialect dialect, string connectionString) : IDisposable
{
    private readonly SemaphoreSlim _schema = new(1, 1);
    private volatile bool _ready;

    public async Task<long> AddAsync(ComplaintRecord complaint, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.Insert, complaint, cancellationToken: cancellationToken));
    }

    public async Task<ComplaintRecord?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ComplaintRecord>(new CommandDefinition(dialect.SelectOne, new { Id = id }, cancellationToken: cancellationToken));
    }

    /// <summary>Assigns (or reassigns) a complaint not yet resolved; false when it is unknown or resolved.</summary>
    public async Task<bool> AssignAsync(long id, string assignedTo, string assignedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(dialect.Assign,
            new { Id = id, AssignedTo = assignedTo, AssignedBy = assignedBy, AssignedAtUnixMs = at.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Resolves an assigned complaint; false when it is unknown or not assigned.</summary>
    public async Task<bool> ResolveAsync(long id, int finding, string actionTaken, string resolvedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(dialect.Resolve,
            new { Id = id, Finding = finding, ActionTaken = actionTaken, ResolvedBy = resolvedBy, ResolvedAtUnixMs = at.ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Newest first, at most <paramref name="max"/>, and how many match in all.</summary>
    public async Task<(IReadOnlyList<ComplaintRecord> Complaints, int Total)> ListAsync(ComplaintFilter filter, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var parameters = new { filter.State, filter.Department, filter.ComplainantKey, filter.OverdueAtMs, Max = max };
        var rows = await connection.QueryAsync<ComplaintRecord>(new CommandDefinition(dialect.SelectMatching, parameters, cancellationToken: cancellationToken));
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.CountMatching, parameters, cancellationToken: cancellationToken));
        return (rows.ToList(), (int)total);
    }

    /// <summary>Every complaint received in [from, to).</summary>
    public async Task<IReadOnlyList<ComplaintRecord>> ReceivedAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ComplaintRecord>(new CommandDefinition(dialect.SelectReceived,
            new { From = from.ToUnixTimeMilliseconds(), To = to.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
        return rows.ToList();
    }

    private async Task<System.Data.Common.DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await SqlConnections.OpenAsync(dialect.CreateConnection(connectionString), dialect.OnOpen, cancellationToken);
        if (!_ready)
        {
            await _schema.WaitAsync(cancellationToken);
            try
            {
                if (!_ready)
                {
                    foreach (var statement in dialect.CreateSchema)
                    {
                        await connection.ExecuteAsync(new CommandDefinition(statement, cancellationToken: cancellationToken));
                    }

                    _ready = true;
                }
            }
            finally
            {
                _schema.Release();
            }
        }

        return connection;
    }

    public void Dispose() => _schema.Dispose();
}
