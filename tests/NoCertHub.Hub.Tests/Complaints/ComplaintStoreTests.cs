using NoCertHub.Hub.Complaints;
using Xunit;

namespace NoCertHub.Hub.Tests.Complaints;

/// <summary>No SQL Server runs here: every T-SQL statement the complaint store can send is parsed instead.</summary>
public sealed class SqlServerComplaintDialectTests
{
    public static TheoryData<string, string> Statements() =>
        TSql.StatementsOf<IComplaintSqlDialect>(new SqlServerComplaintDialect(), new SqlServerComplaintDialect().CreateSchema);

    [Theory]
    [MemberData(nameof(Statements))]
    public void Statement_ParsesAsTransactSql(string name, string sql)
    {
        var errors = TSql.Parse(sql);

        Assert.True(errors.Count == 0, $"{name}: " + string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}")));
    }

    [Fact]
    public void Parser_RejectsSqliteOnlySyntax_SoTheCheckAboveCanFail()
    {
        Assert.NotEmpty(TSql.Parse(new SqliteComplaintDialect().SelectMatching));
    }
}

/// <summary>The store on a real SQLite file: transitions only from the states that allow them, filters, and the overdue listing.</summary>
public sealed class ComplaintStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-complaints-").FullName;
    private readonly ComplaintStore _store;

    public ComplaintStoreTests() => _store = new ComplaintStore(new SqliteComplaintDialect(), $"Data Source={Path.Combine(_directory, "complaints.db")}");

    [Fact]
    public async Task Complaint_GoesReceivedAssignedResolved_AndNotBackwards()
    {
        var id = await _store.AddAsync(Complaint("jj-civil-affairs", dueInMs: 1000), CancellationToken.None);
        var at = DateTimeOffset.UtcNow;

        Assert.False(await _store.ResolveAsync(id, 1, "told them", "officer-a", at, CancellationToken.None));
        Assert.True(await _store.AssignAsync(id, "officer-b", "officer-a", at, CancellationToken.None));
        Assert.True(await _store.AssignAsync(id, "officer-c", "officer-a", at, CancellationToken.None));
        Assert.True(await _store.ResolveAsync(id, 1, "told them", "officer-c", at, CancellationToken.None));
        Assert.False(await _store.ResolveAsync(id, 2, "again", "officer-c", at, CancellationToken.None));
        Assert.False(await _store.AssignAsync(id, "officer-d", "officer-a", at, CancellationToken.None));

        var stored = await _store.GetAsync(id, CancellationToken.None);
        Assert.Equal("resolved", stored!.State);
        Assert.Equal("officer-c", stored.AssignedTo);
        Assert.Equal(1, stored.Finding);
        Assert.Equal("told them", stored.ActionTaken);
        Assert.Equal(at.ToUnixTimeMilliseconds(), stored.ResolvedAtUnixMs);
    }

    [Fact]
    public async Task Listing_FiltersByStateDepartmentComplainantAndOverdue_NewestFirst()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var overdue = await _store.AddAsync(Complaint("jj-civil-affairs", dueInMs: -1000, key: "k1"), CancellationToken.None);
        var notYet = await _store.AddAsync(Complaint("jj-civil-affairs", dueInMs: 60_000, key: "k2"), CancellationToken.None);
        var resolvedLate = await _store.AddAsync(Complaint("jj-public-security", dueInMs: -1000, key: "k1"), CancellationToken.None);
        await _store.AssignAsync(resolvedLate, "o", "o", DateTimeOffset.UtcNow, CancellationToken.None);
        await _store.ResolveAsync(resolvedLate, 2, "nothing wrong", "o", DateTimeOffset.UtcNow, CancellationToken.None);

        var (late, lateTotal) = await _store.ListAsync(new ComplaintFilter(null, null, null, now), 10, CancellationToken.None);
        var (civil, _) = await _store.ListAsync(new ComplaintFilter(null, "jj-civil-affairs", null, null), 10, CancellationToken.None);
        var (ofK1, _) = await _store.ListAsync(new ComplaintFilter(null, null, "k1", null), 10, CancellationToken.None);
        var (resolved, _) = await _store.ListAsync(new ComplaintFilter("resolved", null, null, null), 10, CancellationToken.None);
        var (one, total) = await _store.ListAsync(new ComplaintFilter(null, null, null, null), 1, CancellationToken.None);

        Assert.Equal([overdue], late.Select(c => c.Id));
        Assert.Equal(1, lateTotal);
        Assert.Equal([notYet, overdue], civil.Select(c => c.Id));
        Assert.Equal([resolvedLate, overdue], ofK1.Select(c => c.Id));
        Assert.Equal([resolvedLate], resolved.Select(c => c.Id));
        Assert.Equal([resolvedLate], one.Select(c => c.Id));
        Assert.Equal(3, total);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static ComplaintRecord Complaint(string department, long dueInMs, string? key = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return new ComplaintRecord
        {
            Channel = 2,
            Kind = 1,
            Department = department,
            ComplainantKey = key,
            Text = "asked for a marriage certificate the catalog cancelled",
            ReceivedAtUnixMs = now,
            ReceivedBy = "hotline-operator-1",
            ReceivedThrough = "jj-admin-service-center",
            DueAtUnixMs = now + dueInMs,
            State = "received",
        };
    }
}
