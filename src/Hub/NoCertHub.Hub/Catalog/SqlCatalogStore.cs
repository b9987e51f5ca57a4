using System.Data.Common;
using Dapper;
using Google.Protobuf;
using NoCertHub.Hub.Storage;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>A proposal as stored: the spec it proposes and what became of it.</summary>
internal sealed record ProposalRecord(
    long Id, CatalogItemSpec Spec, ProposalState State, int? Version, string ProposingDepartment, string ProposedBy, DateTimeOffset ProposedAt,
    string Reason, string? DecidedBy, DateTimeOffset? DecidedAt, string? DecisionNote);

internal sealed record ViolationRecord(
    long Id, string SubjectKind, string SubjectId, string Reason, DateOnly StartsOn, DateOnly? EndsOn, string Source, string RecordedBy,
    DateTimeOffset RecordedAt, DateOnly? LiftedOn, string? LiftedBy, string? LiftReason);

internal sealed record LedgerRecord(
    long Id, LedgerKind Kind, string Department, string CaseNumber, string? RequestId, string? ItemCode, string? SubjectKind, string? SubjectId,
    string Material, string? Note, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>
/// The catalog's truth, shared by every hub: departments, every proposal and approved version
/// (nothing is updated in place but a proposal's decision), the violation registry and the
/// ledgers. The SQL text comes from the dialect.
/// </summary>
internal sealed class SqlCatalogStore(ICatalogSqlDialect dialect, string connectionString)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        foreach (var statement in dialect.CreateSchema)
        {
            await connection.ExecuteAsync(new CommandDefinition(statement, cancellationToken: cancellationToken));
        }
    }

    /// <summary>Writes the seed's departments and, for each item without one, its version 1. Safe for many hubs at once.</summary>
    public async Task SeedAsync(CatalogSeed seed, string source, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (code, name) in seed.Departments)
        {
            await connection.ExecuteAsync(new CommandDefinition(dialect.InsertDepartment, new { Code = code, Name = name }, transaction, cancellationToken: cancellationToken));
        }

        foreach (var spec in seed.Items)
        {
            await connection.ExecuteAsync(new CommandDefinition(dialect.InsertSeedVersion, new
            {
                spec.Code,
                SpecJson = Formatter.Format(spec),
                ProposingDepartment = spec.OwningDepartment,
                ProposedBy = "seed",
                ProposedAtUnixMs = at.ToUnixTimeMilliseconds(),
                Reason = $"listed in the district's cancellation catalog as first published ({source})",
            }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> DepartmentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Code, string Name)>(new CommandDefinition(dialect.SelectDepartments, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Code, r => r.Name, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<CatalogItem>> ApprovedVersionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ProposalRow>(new CommandDefinition(dialect.SelectApproved, cancellationToken: cancellationToken));
        return rows.Select(r => CatalogItem.FromSpec(Spec(r.SpecJson), (int)r.Version!.Value)).ToList();
    }

    public async Task<IReadOnlyList<ProposalRecord>> ProposalsAsync(string? code, bool includeDecided, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ProposalRow>(new CommandDefinition(dialect.SelectProposals, new { Code = code, IncludeDecided = includeDecided ? 1 : 0 }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<ProposalRecord?> ProposalAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ProposalRow>(new CommandDefinition(dialect.SelectProposal, new { Id = id }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    /// <summary>Adds a pending proposal; null when the code already has one pending.</summary>
    public async Task<long?> AddProposalAsync(CatalogItemSpec spec, string department, string by, DateTimeOffset at, string reason, CancellationToken cancellationToken)
    {
        // The unique index on pending proposals is the guard; checking first only gives the usual case its answer without an error.
        if (await HasPendingAsync(spec.Code, cancellationToken))
        {
            return null;
        }

        await using var connection = await OpenAsync(cancellationToken);
        try
        {
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.InsertProposal, new
            {
                spec.Code,
                SpecJson = Formatter.Format(spec),
                ProposingDepartment = department,
                ProposedBy = by,
                ProposedAtUnixMs = at.ToUnixTimeMilliseconds(),
                Reason = reason,
            }, cancellationToken: cancellationToken));
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            // Another proposal for the code got in between.
            return null;
        }
    }

    /// <summary>
    /// Approves (as the code's next version) or rejects a pending proposal, in one transaction;
    /// false when it was no longer pending.
    /// </summary>
    public async Task<bool> DecideAsync(long id, string code, bool approve, string by, DateTimeOffset at, string note, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int? version = null;
        if (approve)
        {
            version = await connection.ExecuteScalarAsync<int>(new CommandDefinition(dialect.SelectMaxVersion, new { Code = code }, transaction, cancellationToken: cancellationToken)) + 1;
        }

        var changed = await connection.ExecuteAsync(new CommandDefinition(dialect.DecideProposal, new
        {
            Id = id,
            State = approve ? "approved" : "rejected",
            Version = version,
            DecidedBy = by,
            DecidedAtUnixMs = at.ToUnixTimeMilliseconds(),
            DecisionNote = note,
        }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return changed == 1;
    }

    public async Task<long> AddViolationAsync(string subjectKind, string subjectId, string reason, DateOnly startsOn, DateOnly? endsOn, string source, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.InsertViolation, new
        {
            SubjectKind = subjectKind,
            SubjectId = subjectId.ToUpperInvariant(),
            Reason = reason,
            StartsOn = Day(startsOn),
            EndsOn = endsOn is { } e ? Day(e) : null,
            Source = source,
            RecordedBy = by,
            RecordedAtUnixMs = at.ToUnixTimeMilliseconds(),
        }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<ViolationRecord>> ViolationsOfAsync(string subjectKind, string subjectId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ViolationRow>(new CommandDefinition(
            dialect.SelectViolationsOf, new { SubjectKind = subjectKind, SubjectId = subjectId.ToUpperInvariant() }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<ViolationRecord?> ViolationAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ViolationRow>(new CommandDefinition(dialect.SelectViolation, new { Id = id }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    /// <summary>Lifts an open-ended ban; false when it is unknown, fixed-term or already lifted.</summary>
    public async Task<bool> LiftViolationAsync(long id, DateOnly on, string by, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(dialect.LiftViolation, new { Id = id, LiftedOn = Day(on), LiftedBy = by, LiftReason = reason }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<long> AddLedgerAsync(LedgerRecord entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(dialect.InsertLedger, new
        {
            Kind = (int)entry.Kind,
            entry.Department,
            entry.CaseNumber,
            entry.RequestId,
            entry.ItemCode,
            entry.SubjectKind,
            entry.SubjectId,
            entry.Material,
            entry.Note,
            entry.RecordedBy,
            RecordedAtUnixMs = entry.RecordedAt.ToUnixTimeMilliseconds(),
        }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<LedgerRecord>> LedgerAsync(string? department, string? caseNumber, LedgerKind kind, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<LedgerRow>(new CommandDefinition(
            dialect.SelectLedger, new { Department = department, CaseNumber = caseNumber, Kind = (int)kind, Max = max }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    /// <summary>Ledger entries recorded in [from, to), counted per department and kind (the evaluation's).</summary>
    public async Task<IReadOnlyList<(string Department, LedgerKind Kind, long Count)>> LedgerCountsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Department, int Kind, long Count)>(new CommandDefinition(
            dialect.CountLedger, new { From = from.ToUnixTimeMilliseconds(), To = to.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
        return rows.Select(r => (r.Department, (LedgerKind)r.Kind, r.Count)).ToList();
    }

    private async Task<bool> HasPendingAsync(string code, CancellationToken cancellationToken) =>
        (await ProposalsAsync(code, includeDecided: false, cancellationToken)).Count > 0;

    private static CatalogItemSpec Spec(string json) => CatalogItemSpec.Parser.ParseJson(json);

    private static string Day(DateOnly day) => CatalogRules.FormatDay(day);

    private Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        SqlConnections.OpenAsync(dialect.CreateConnection(connectionString), dialect.OnOpen, cancellationToken);

    private sealed class ProposalRow
    {
        public long Id { get; set; }
        public string Code { get; set; } = "";
        public long? Version { get; set; }
        public string State { get; set; } = "";
        public string SpecJson { get; set; } = "";
        public string ProposingDepartment { get; set; } = "";
        public string ProposedBy { get; set; } = "";
        public long ProposedAtUnixMs { get; set; }
        public string Reason { get; set; } = "";
        public string? DecidedBy { get; set; }
        public long? DecidedAtUnixMs { get; set; }
        public string? DecisionNote { get; set; }

        public ProposalRecord ToRecord() => new(
            Id, Spec(SpecJson), State switch { "approved" => ProposalState.Approved, "rejected" => ProposalState.Rejected, _ => ProposalState.Pending },
            (int?)Version, ProposingDepartment, ProposedBy, DateTimeOffset.FromUnixTimeMilliseconds(ProposedAtUnixMs), Reason, DecidedBy,
            DecidedAtUnixMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, DecisionNote);
    }

    private sealed class ViolationRow
    {
        public long Id { get; set; }
        public string SubjectKind { get; set; } = "";
        public string SubjectId { get; set; } = "";
        public string Reason { get; set; } = "";
        public string StartsOn { get; set; } = "";
        public string? EndsOn { get; set; }
        public string Source { get; set; } = "";
        public string RecordedBy { get; set; } = "";
        public long RecordedAtUnixMs { get; set; }
        public string? LiftedOn { get; set; }
        public string? LiftedBy { get; set; }
        public string? LiftReason { get; set; }

        public ViolationRecord ToRecord() => new(
            Id, SubjectKind, SubjectId, Reason, CatalogRules.ParseDay(StartsOn)!.Value, CatalogRules.ParseDay(EndsOn), Source, RecordedBy,
            DateTimeOffset.FromUnixTimeMilliseconds(RecordedAtUnixMs), CatalogRules.ParseDay(LiftedOn), LiftedBy, LiftReason);
    }

    private sealed class LedgerRow
    {
        public long Id { get; set; }
        public long Kind { get; set; }
        public string Department { get; set; } = "";
        public string CaseNumber { get; set; } = "";
        public string? RequestId { get; set; }
        public string? ItemCode { get; set; }
        public string? SubjectKind { get; set; }
        public string? SubjectId { get; set; }
        public string Material { get; set; } = "";
        public string? Note { get; set; }
        public string RecordedBy { get; set; } = "";
        public long RecordedAtUnixMs { get; set; }

        public LedgerRecord ToRecord() => new(
            Id, (LedgerKind)Kind, Department, CaseNumber, RequestId, ItemCode, SubjectKind, SubjectId, Material, Note, RecordedBy,
            DateTimeOffset.FromUnixTimeMilliseconds(RecordedAtUnixMs));
    }
}
