using Microsoft.SqlServer.TransactSql.ScriptDom;
using NoCertHub.Hub.Audit;
using Xunit;

namespace NoCertHub.Hub.Tests.Audit;

/// <summary>No SQL Server runs here: every T-SQL statement the audit store can send is parsed instead.</summary>
public class SqlServerAuditDialectTests
{
    public static TheoryData<string, string> Statements()
    {
        var dialect = new SqlServerAuditDialect();
        // Every statement the dialect has, found by reflection so a new one cannot be left out.
        var data = new TheoryData<string, string>();
        foreach (var property in typeof(IAuditSqlDialect).GetProperties().Where(p => p.PropertyType == typeof(string)))
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
    public void Statement_ParsesAsTransactSql(string name, string sql)
    {
        var errors = Parse(sql);

        Assert.True(errors.Count == 0, $"{name}: " + string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}")));
    }

    [Fact]
    public void Parser_RejectsSqliteOnlySyntax_SoTheCheckAboveCanFail()
    {
        Assert.NotEmpty(Parse(new SqliteAuditDialect().SelectBySubject));
    }

    private static IList<ParseError> Parse(string sql)
    {
        using var reader = new StringReader(sql);
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(reader, out var errors);
        return errors;
    }
}
