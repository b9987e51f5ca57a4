using Microsoft.SqlServer.TransactSql.ScriptDom;
using Xunit;

namespace NoCertHub.Hub.Tests;

/// <summary>No SQL Server runs here: a dialect's T-SQL is parsed with ScriptDom instead.</summary>
internal static class TSql
{
    /// <summary>Every statement a dialect has (its string properties and its schema), found by reflection so a new one cannot be left out.</summary>
    public static TheoryData<string, string> StatementsOf<TDialect>(TDialect dialect, IReadOnlyList<string> schema)
    {
        var data = new TheoryData<string, string>();
        foreach (var property in typeof(TDialect).GetProperties().Where(p => p.PropertyType == typeof(string)))
        {
            if (property.GetValue(dialect) is string sql)
            {
                data.Add(property.Name, sql);
            }
        }

        for (var i = 0; i < schema.Count; i++)
        {
            data.Add($"CreateSchema[{i}]", schema[i]);
        }

        return data;
    }

    public static IList<ParseError> Parse(string sql)
    {
        using var reader = new StringReader(sql);
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(reader, out var errors);
        return errors;
    }
}
