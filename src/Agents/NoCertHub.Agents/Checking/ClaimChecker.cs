using System.Globalization;
using System.Text;
using Dapper;
using NoCertHub.Agents.Hosting;
using NoCertHub.V1;

namespace NoCertHub.Agents.Checking;

/// <summary>
/// Answers one task from the legacy database: runs the item's parameterised query for the
/// subject and compares each claimed field with the record. Returns verdicts, and record values
/// only for the fields the hub says the requester may see.
/// </summary>
internal sealed class ClaimChecker(LegacyDatabase database, IReadOnlyDictionary<string, ItemQueryOptions> items)
{
    public async Task<TaskResult> CheckAsync(VerificationTask task, CancellationToken cancellationToken)
    {
        var result = new TaskResult { RequestId = task.RequestId };
        if (!items.TryGetValue(task.ItemCode, out var item))
        {
            result.Verdict = Verdict.Refused;
            result.Note = $"this agent has no query for item {task.ItemCode}";
            return result;
        }

        await using var connection = database.Open();
        await connection.OpenAsync(cancellationToken);
        var parameters = new { SubjectId = task.Subject.Id, SubjectName = task.Subject.Name, SubjectKind = task.Subject.Kind.ToString() };
        var row = (IDictionary<string, object?>?)await connection.QueryFirstOrDefaultAsync(
            new CommandDefinition(item.Query, parameters, cancellationToken: cancellationToken));

        if (item.Expect == Expectation.Absent)
        {
            result.Verdict = row is null ? Verdict.Match : Verdict.Mismatch;
            result.Note = row is null ? "no record held" : "a record is held, contrary to the claim";
            return result;
        }

        if (row is null)
        {
            result.Verdict = Verdict.NotFound;
            result.Note = "no record held for this subject";
            return result;
        }

        var columns = new Dictionary<string, object?>(row, StringComparer.OrdinalIgnoreCase);
        if (item.CheckedByColumn is { } checkedBy)
        {
            result.CheckedBy = Text(columns.GetValueOrDefault(checkedBy)) ?? "";
        }

        foreach (var (field, claimed) in task.Claims.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var recorded = item.Fields.TryGetValue(field, out var column) ? Text(columns.GetValueOrDefault(column)) : null;
            result.Fields.Add(new FieldVerdict
            {
                Field = field,
                Verdict = recorded is null ? FieldVerdictKind.NotFound
                    : Same(claimed, recorded) ? FieldVerdictKind.Match
                    : FieldVerdictKind.Mismatch,
            });
        }

        foreach (var field in task.DisclosableFields)
        {
            if (item.Fields.TryGetValue(field, out var column) && Text(columns.GetValueOrDefault(column)) is { } value)
            {
                result.Disclosed[field] = value;
            }
        }

        result.Verdict = result.Fields.Any(f => f.Verdict == FieldVerdictKind.Mismatch) ? Verdict.Mismatch
            : result.Fields.Any(f => f.Verdict == FieldVerdictKind.NotFound) ? Verdict.NeedsSupplement
            : Verdict.Match;
        if (result.Verdict == Verdict.NeedsSupplement)
        {
            result.Note = "the record holds no value for some claimed fields (Art. 12: the office may ask for supplementary material)";
        }

        return result;
    }

    /// <summary>Throws <see cref="System.Data.Common.DbException"/> unless the database answers a trivial query.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
    }

    /// <summary>What keeps <paramref name="item"/>'s query from running, or null (see <see cref="QueryCheck"/>).</summary>
    public Task<string?> QueryProblemAsync(ItemQueryOptions item, CancellationToken cancellationToken) =>
        QueryCheck.ProblemAsync(database, item, cancellationToken);

    private static string? Text(object? value) => value switch
    {
        null or DBNull => null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() is { Length: > 0 } s ? s : null,
    };

    // Full-width and half-width forms, surrounding spaces and letter case do not make a claim false.
    private static bool Same(string claimed, string recorded) =>
        string.Equals(claimed.Normalize(NormalizationForm.FormKC).Trim(), recorded.Normalize(NormalizationForm.FormKC).Trim(), StringComparison.OrdinalIgnoreCase);
}
