using Microsoft.SqlServer.TransactSql.ScriptDom;
using NoCertHub.Hub.Audit;
using Xunit;

namespace NoCertHub.Hub.Tests.Audit;

/// <summary>No SQL Server runs here: every T-SQL statement the audit store can send is parsed instead.</summary>
public class SqlServerAuditDialectTests
{
    public static TheoryData<string, string> Statements() =>
        TSql.StatementsOf<IAuditSqlDialect>(new SqlServerAuditDialect(), new SqlServerAuditDialect().CreateSchema);

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

    [Fact]
    public void BulkInsert_FillsEveryColumnOfTheTable_InTheInsertsOrder_WithTheStoresValues()
    {
        var dialect = new SqlServerAuditDialect();
        var insert = ParseSingle<InsertStatement>(dialect.Insert);
        var parameters = ((ValuesInsertSource)insert.InsertSpecification.InsertSource).RowValues.Single().ColumnValues
            .Select(v => ((VariableReference)v).Name.TrimStart('@')).ToList();
        var created = ParseSingle<CreateTableStatement>(dialect.CreateSchema[0].Replace("IF OBJECT_ID(N'dbo.audit_log', N'U') IS NULL", "", StringComparison.Ordinal))
            .Definition.ColumnDefinitions.Select(c => c.ColumnIdentifier.Value).ToList();
        object?[] row = [7L, new byte[32], 1_790_000_000_000L, 2, "r1", "JJ-MZ-001", "Person", "331002199007210029", "JJ-1", "marriage",
            "jj-admin-service-center", "w1", "officer-a", "Match", null, "jj-civil-affairs", "ca-1", "hub-1", true, null, new string('a', 64), "applicant",
            AuditRecord.SealText(new V1.Seal { Algorithm = "ECDSA-P256-SHA256", Signature = Google.Protobuf.ByteString.CopyFrom(new byte[64]), Certificate = Google.Protobuf.ByteString.CopyFrom(new byte[600]) })];

        using var table = SqlServerAuditDialect.BulkTable([row, row]);

        // The store binds exactly the statement's parameters, and the bulk copy fills exactly the table's columns.
        Assert.Equal(parameters, AuditRow.Parameters);
        Assert.Equal(created, table.Columns.Cast<System.Data.DataColumn>().Select(c => c.ColumnName));
        Assert.Equal((typeof(long), typeof(byte[]), typeof(bool)), (table.Columns["seq"]!.DataType, table.Columns["chain_hash"]!.DataType, table.Columns["late"]!.DataType));
        Assert.Equal(2, table.Rows.Count);
        Assert.Equal(DBNull.Value, table.Rows[0]["reason"]);
        // A P-256 seal's audit text fits its column (VARCHAR(200)).
        Assert.InRange(((string)row[^1]!).Length, 100, 200);
    }

    private static T ParseSingle<T>(string sql)
        where T : TSqlStatement
    {
        using var reader = new StringReader(sql);
        var script = (TSqlScript)new TSql160Parser(initialQuotedIdentifiers: true).Parse(reader, out var errors);
        Assert.Empty(errors);
        return Assert.IsType<T>(script.Batches.Single().Statements.Single());
    }

    private static IList<ParseError> Parse(string sql) => TSql.Parse(sql);
}
