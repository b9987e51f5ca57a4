using System.Collections.Frozen;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// The approved versions of every item, in memory for the request path. The SQL catalog store is
/// the truth; every hub reloads this from it after its own changes and on a schedule, so an
/// approval made through any hub reaches all of them.
/// </summary>
internal sealed class CatalogSnapshot : ICatalog
{
    private volatile FrozenDictionary<string, CatalogItem[]> _versions = FrozenDictionary<string, CatalogItem[]>.Empty;

    public CatalogSnapshot()
    {
    }

    public CatalogSnapshot(IEnumerable<CatalogItem> items) => Replace(items);

    public void Replace(IEnumerable<CatalogItem> approvedVersions) =>
        _versions = approvedVersions
            .GroupBy(i => i.Code, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.OrderByDescending(i => i.Version).ToArray(), StringComparer.Ordinal);

    public IReadOnlyList<CatalogItem> InForceOn(DateOnly day) =>
        _versions.Values.Select(v => Governing(v, day)).Where(i => i?.IsInForceOn(day) == true).Select(i => i!).OrderBy(i => i.Code, StringComparer.Ordinal).ToList();

    public CatalogItem? Find(string itemCode, DateOnly day) =>
        _versions.TryGetValue(itemCode, out var versions) ? Governing(versions, day) ?? versions[0] : null;

    public CatalogItem? Find(string itemCode) => _versions.TryGetValue(itemCode, out var versions) ? versions[0] : null;

    // The newest approved version that has begun by the day: a later version replaces an earlier one
    // from its first day on, including its end (a repeal is a version with an end).
    private static CatalogItem? Governing(CatalogItem[] newestFirst, DateOnly day) =>
        newestFirst.FirstOrDefault(v => v.EffectiveFrom is not { } from || from <= day);
}
