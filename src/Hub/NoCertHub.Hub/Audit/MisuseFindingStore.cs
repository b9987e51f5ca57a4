using Dapper;

namespace NoCertHub.Hub.Audit;

/// <summary>The misuse findings the detector records and the joint office closes (misuse_findings).</summary>
internal sealed class MisuseFindingStore(AuditDatabase database)
{
    /// <summary>The select list both engines' dialects use, under <see cref="FindingRow"/>'s names.</summary>
    public const string SelectList = """
        id AS Id, [rule] AS [Rule], officer AS Officer, [day] AS [Day], subject_id AS SubjectId, [count] AS [Count], detail AS Detail,
        found_at_unix_ms AS FoundAtUnixMs, [state] AS [State], resolution AS Resolution, closed_by AS ClosedBy, closed_at_unix_ms AS ClosedAtUnixMs
        """;

    /// <summary>The state of a finding closed as misuse; <see cref="NotUpheldState"/> otherwise ("closed": before outcomes were kept).</summary>
    public const string UpheldState = "upheld";

    public const string NotUpheldState = "not_upheld";

    private IAuditSqlDialect Dialect => database.Dialect;

    /// <summary>Records a finding unless the same one (rule, officer, day, subject) is on record; true when added.</summary>
    public async Task<bool> AddAsync(MisuseFindingRecord finding, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var added = await connection.ExecuteAsync(new CommandDefinition(Dialect.InsertFinding, new
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

    /// <summary>Findings newest first: open ones only unless <paramref name="includeClosed"/>; null filters match any.</summary>
    public async Task<IReadOnlyList<MisuseFindingRecord>> ListAsync(bool includeClosed, string? rule, string? officer, int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<FindingRow>(new CommandDefinition(
            Dialect.SelectFindings, new { IncludeClosed = includeClosed ? 1 : 0, Rule = rule, Officer = officer, Max = max }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<MisuseFindingRecord?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<FindingRow>(new CommandDefinition(Dialect.SelectFinding, new { Id = id }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    /// <summary>Closes an open finding, upheld or not; false when it is unknown or already closed.</summary>
    public async Task<bool> CloseAsync(long id, bool upheld, string resolution, string closedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(Dialect.CloseFinding,
            new { Id = id, State = upheld ? UpheldState : NotUpheldState, Resolution = resolution, ClosedBy = closedBy, ClosedAtUnixMs = at.ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken));
        return changed > 0;
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
            Upheld = State switch { UpheldState => true, NotUpheldState => false, _ => null },
        };
    }
}

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

    /// <summary>The joint office's conclusion: null while open (or closed before outcomes were kept).</summary>
    public bool? Upheld { get; init; }
}
