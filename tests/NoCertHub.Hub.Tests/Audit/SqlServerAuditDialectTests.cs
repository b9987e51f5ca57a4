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
        var data = new TheoryData<string, string>
        {
            { nameof(dialect.Insert), dialect.Insert },
            { nameof(dialect.SelectByRequest), dialect.SelectByRequest },
            { nameof(dialect.SelectBySubject), dialect.SelectBySubject },
            { nameof(dialect.SelectHeadForAppend), dialect.SelectHeadForAppend },
            { nameof(dialect.SelectRange), dialect.SelectRange },
            { nameof(dialect.SelectSearch), dialect.SelectSearch },
            { nameof(dialect.SelectWindow), dialect.SelectWindow },
            { nameof(dialect.SelectIndexHead), dialect.SelectIndexHead },
            { nameof(dialect.InsertIndex), dialect.InsertIndex },
            { nameof(dialect.DeleteRange), dialect.DeleteRange },
            { nameof(dialect.SelectDailyLookups), dialect.SelectDailyLookups },
            { nameof(dialect.InsertFinding), dialect.InsertFinding },
            { nameof(dialect.SelectFindings), dialect.SelectFindings },
            { nameof(dialect.SelectFinding), dialect.SelectFinding },
            { nameof(dialect.CloseFinding), dialect.CloseFinding },
        };
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
