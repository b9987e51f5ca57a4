using NoCertHub.Hub.Catalog;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Hub.Tests.Catalog;

/// <summary>The catalog store on a real SQLite file, as several hubs use it at once.</summary>
public sealed class SqlCatalogStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-catalog-").FullName;

    [Fact]
    public async Task HubsSeedingAtOnce_WriteEachItemOnce_AndTwoApprovalsRaceToOneVersion()
    {
        var seed = CatalogSeed.Load(Path.Combine(AppContext.BaseDirectory, "catalog", "sample-catalog.json"));
        var stores = Enumerable.Range(0, 4).Select(_ => new SqlCatalogStore(new SqliteCatalogDialect(), $"Data Source={Path.Combine(_directory, "catalog.db")}")).ToList();
        await stores[0].EnsureSchemaAsync(CancellationToken.None);

        await Task.WhenAll(stores.Select(s => s.SeedAsync(seed, "sample", DateTimeOffset.UtcNow, CancellationToken.None)));
        var spec = seed.Items.Single(i => i.Code == "JJ-SJ-002").Clone();
        spec.EffectiveFrom = "2030-01-01";
        var id = await stores[0].AddProposalAsync(spec, "jj-market-regulation", "mr", DateTimeOffset.UtcNow, "r", CancellationToken.None);
        var again = await stores[1].AddProposalAsync(spec, "jj-market-regulation", "mr", DateTimeOffset.UtcNow, "r", CancellationToken.None);
        var decisions = await Task.WhenAll(stores.Select(s => s.DecideAsync(id!.Value, spec.Code, approve: true, "jo", DateTimeOffset.UtcNow, "ok", CancellationToken.None)));

        var approved = await stores[2].ApprovedVersionsAsync(CancellationToken.None);
        Assert.Equal(seed.Items.Count + 1, approved.Count);
        Assert.Equal([1, 2], approved.Where(i => i.Code == "JJ-SJ-002").Select(i => i.Version).Order());
        Assert.Null(again);
        Assert.Equal(1, decisions.Count(d => d));
        Assert.Equal(seed.Departments.Count, (await stores[3].DepartmentsAsync(CancellationToken.None)).Count);
        Assert.Equal(ReplacementMethod.WrittenCommitment, approved.First(i => i.Code == "JJ-SJ-002").ReplacementMethod);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
