namespace NoCertHub.Hub.Catalog;

/// <summary>The items the hub knows, by code.</summary>
internal interface ICatalog
{
    IReadOnlyCollection<CatalogItem> Items { get; }

    CatalogItem? Find(string itemCode);
}
