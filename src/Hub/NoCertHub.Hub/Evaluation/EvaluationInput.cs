using Dapper;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Complaints;
using NoCertHub.V1;

namespace NoCertHub.Hub.Evaluation;

/// <summary>A refusal as the trail holds it: the requesting department and the reason told to it.</summary>
internal sealed record RefusalRow(string? Department, string? Reason);

/// <summary>A misuse finding: the department its officer looked up for (null when unknown), whether it is closed, and upheld.</summary>
internal sealed record FindingRow(string? Department, bool Closed, bool Upheld);

/// <summary>Everything a period's evaluation is computed from, read from the stores at one moment.</summary>
internal sealed record EvaluationInput(
    IReadOnlyList<AnswerFactRow> Answers,
    IReadOnlyDictionary<string, long> ReceivedByDepartment,
    IReadOnlyList<RefusalRow> Refusals,
    IReadOnlyList<(string Department, LedgerKind Kind, long Count)> Ledger,
    IReadOnlyList<ComplaintRecord> Complaints,
    IReadOnlyList<FindingRow> Findings,
    long AuditPosition,
    string AuditChainHead);

/// <summary>Reads a period's <see cref="EvaluationInput"/> from the audit database, the catalog's ledgers and the complaints.</summary>
internal sealed class EvaluationSources(AuditDatabase audit, AuditSearchIndex index, SqlCatalogStore catalog, ComplaintStore complaints)
{
    public async Task<EvaluationInput> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        // Refusals are found through audit_index, which follows the chain by a few seconds: bring it up to date first.
        await index.IndexPendingAsync(cancellationToken);

        var range = new { From = from.ToUnixTimeMilliseconds(), To = to.ToUnixTimeMilliseconds() };
        var dialect = audit.Dialect;
        await using var connection = await audit.OpenAsync(cancellationToken);
        var head = await connection.QuerySingleOrDefaultAsync<(long Seq, byte[] ChainHash)?>(new CommandDefinition(dialect.SelectHead, cancellationToken: cancellationToken));
        var answers = (await connection.QueryAsync<AnswerFactRow>(new CommandDefinition(dialect.SelectFactsAnswered, range, cancellationToken: cancellationToken))).ToList();
        var received = (await connection.QueryAsync<(string Key, long Count)>(new CommandDefinition(dialect.CountFactsReceived, range, cancellationToken: cancellationToken)))
            .ToDictionary(r => r.Key, r => r.Count, StringComparer.Ordinal);
        var refusals = (await connection.QueryAsync<RefusalRow>(new CommandDefinition(dialect.SelectRefusals, range, cancellationToken: cancellationToken))).ToList();
        var findings = new List<FindingRow>();
        var departments = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (officer, state) in await connection.QueryAsync<(string Officer, string State)>(new CommandDefinition(dialect.SelectFindingsFound, range, cancellationToken: cancellationToken)))
        {
            if (!departments.TryGetValue(officer, out var department))
            {
                department = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(dialect.SelectOfficerDepartment, new { Officer = officer }, cancellationToken: cancellationToken));
                departments[officer] = department;
            }

            findings.Add(new FindingRow(department, state != "open", state == MisuseFindingStore.UpheldState));
        }

        var ledger = await catalog.LedgerCountsAsync(from, to, cancellationToken);
        var filed = await complaints.ReceivedAsync(from, to, cancellationToken);
        return new EvaluationInput(answers, received, refusals, ledger, filed, findings,
            head?.Seq ?? 0, head is { } h ? Convert.ToHexStringLower(h.ChainHash) : "");
    }
}
