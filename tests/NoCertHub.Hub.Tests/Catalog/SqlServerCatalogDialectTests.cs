using NoCertHub.Hub.Catalog;
using Xunit;

namespace NoCertHub.Hub.Tests.Catalog;

/// <summary>No SQL Server runs here: every T-SQL statement the catalog store can send is parsed instead.</summary>
public class SqlServerCatalogDialectTests
{
    public static TheoryData<string, string> Statements() =>
        TSql.StatementsOf<ICatalogSqlDialect>(new SqlServerCatalogDialect(), new SqlServerCatalogDialect().CreateSchema);

    [Theory]
    [MemberData(nameof(Statements))]
    public void Statement_IsValidTSql(string name, string sql)
    {
        var errors = TSql.Parse(sql);

        Assert.True(errors.Count == 0, $"{name}: " + string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}")));
    }

    [Fact]
    public void Parser_RejectsTheSqliteDialect_SoTheCheckAboveCanFail() => Assert.NotEmpty(TSql.Parse(new SqliteCatalogDialect().SelectLedger));
}
