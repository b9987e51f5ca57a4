namespace NoCertHub.Hub.Catalog;

/// <summary>The approved items the hub routes by, by code.</summary>
internal interface ICatalog
{
    /// <summary>The items in force on a day: the public cancellation list of that day.</summary>
    IReadOnlyList<CatalogItem> InForceOn(DateOnly day);

    /// <summary>
    /// The version of the item in force on the day; when none is, the latest approved version (so
    /// a refusal can say when it stopped or starts). Null for a code never approved.
    /// </summary>
    CatalogItem? Find(string itemCode, DateOnly day);

    /// <summary>The latest approved version, whatever its dates.</summary>
    CatalogItem? Find(string itemCode);
}
