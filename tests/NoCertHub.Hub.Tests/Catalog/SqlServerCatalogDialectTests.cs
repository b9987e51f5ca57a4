using Microsoft.SqlServer.TransactSql.ScriptDom;
using NoCertHub.Hub.Catalog;
using Xunit;

namespace NoCertHub.Hub.Tests.Catalog;

/// <summary>No SQL Server runs here: every T-SQL statement the catalog store can send is parsed instead.</summary>
public class SqlServerCatalogDialectTests
{
    public static TheoryData<string, string> Statements()
    {
        var dialect = new SqlServerCatalogDialect();
        // Every statement the dialect has, found by reflection so a new one cannot be left out.
        var data = new TheoryData<string, string>();
        foreach (var property in typeof(ICatalogSqlDialect).GetProperties().Where(p => p.PropertyType == typeof(string)))
        {
            if (property.GetValue(dialect) is string sql)
            {
                data.Add(property.Name, sql);
            }
        }

        for (var i = 0; i < dialect.CreateSchema.Count; i++)
        {
            data.Add($"{nameof(dialect.CreateSchema)}[{i}]", dialect.CreateSchema[i]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Statement_IsValidTSql(string name, string sql)
    {
        using var reader = new StringReader(sql);
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(reader, out var errors);

        Assert.True(errors.Count == 0, $"{name}: " + string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}")));
    }

    [Fact]
    public void Parser_RejectsTheSqliteDialect_SoTheCheckAboveCanFail()
    {
        using var reader = new StringReader(new SqliteCatalogDialect().SelectLedger);
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(reader, out var errors);

        Assert.NotEmpty(errors);
    }
}
