namespace NoCertHub.Hub.Catalog;

internal enum CatalogProvider
{
    Sqlite,
    SqlServer,
}

internal sealed class CatalogOptions
{
    public const string Section = "Catalog";

    public CatalogProvider Provider { get; set; } = CatalogProvider.Sqlite;

    /// <summary>ADO.NET connection string of the catalog store. Default: a SQLite file under data/.</summary>
    public string ConnectionString { get; set; } = "Data Source=data/catalog.db";

    /// <summary>
    /// The JSON catalog a new store starts from (departments and items, each as version 1);
    /// relative paths are resolved against the hub's base directory. Empty: no seed.
    /// </summary>
    public string SeedPath { get; set; } = "catalog/sample-catalog.json";

    /// <summary>How often each hub reloads approved items from the store (changes made through other hubs, items coming into or going out of force).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);
}
