using System.Data;
using System.Data.Common;
using NoCertHub.Agents.Hosting;

namespace NoCertHub.Agents.Checking;

/// <summary>
/// Checks an item's configured query against the department's database before the agent offers
/// the item to the hub: the database compiles it (its tables and columns exist, its parameters
/// are the ones the agent supplies) and describes its result without running it, and every column
/// the item's fields and checked-by name is among the result's. A query that cannot run is found at
/// start, naming the item, rather than at the first request.
/// </summary>
internal static class QueryCheck
{
    /// <summary>
    /// What is wrong with <paramref name="item"/>'s query, or null when it can run. Throws
    /// <see cref="DbException"/> when the database itself cannot be reached (an outage, not a bad query).
    /// </summary>
    public static async Task<string?> ProblemAsync(LegacyDatabase database, ItemQueryOptions item, CancellationToken cancellationToken)
    {
        if (item.OnSite)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(item.Query))
        {
            return "it has no query";
        }

        await using var connection = database.Open();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = item.Query;
        foreach (var name in new[] { "SubjectId", "SubjectName", "SubjectKind" })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.DbType = DbType.String;
            parameter.Size = 128;
            parameter.Value = "";
            command.Parameters.Add(parameter);
        }

        IReadOnlyList<string> columns;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken);
            columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        }
        catch (DbException e)
        {
            return "its query cannot run: " + e.Message;
        }

        var missing = item.Fields.Values.Append(item.CheckedByColumn).OfType<string>()
            .Where(c => !columns.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        return missing.Count == 0 ? null
            : $"its query returns no column {string.Join(", ", missing.Select(c => $"'{c}'"))} (it returns {string.Join(", ", columns)})";
    }
}
