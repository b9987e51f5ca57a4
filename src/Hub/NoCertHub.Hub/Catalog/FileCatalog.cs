using System.Collections.Frozen;
using System.Text.Json;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// A catalog read once from a JSON file. Every problem in the file is reported at start-up,
/// all at once, so that a hub never runs on a catalog it half understood.
/// </summary>
internal sealed class FileCatalog : ICatalog
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private readonly FrozenDictionary<string, CatalogItem> _items;

    public FileCatalog(IEnumerable<CatalogItem> items)
    {
        _items = items.ToFrozenDictionary(i => i.Code, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<CatalogItem> Items => _items.Values;

    public CatalogItem? Find(string itemCode) => _items.GetValueOrDefault(itemCode);

    public static FileCatalog Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Catalog file '{path}' does not exist (Catalog:Path).");
        }

        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    public static FileCatalog Parse(Stream json, string source)
    {
        CatalogFile? file;
        try
        {
            file = JsonSerializer.Deserialize<CatalogFile>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"Catalog '{source}' is not valid JSON: {e.Message}", e);
        }

        var errors = new List<string>();
        var items = new List<CatalogItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (entry, index) in (file?.Items ?? []).Select((e, i) => (e, i)))
        {
            var where = $"item #{index + 1} ({entry.Code ?? "no code"})";
            if (string.IsNullOrWhiteSpace(entry.Code)) { errors.Add($"{where}: code is required"); continue; }
            if (!seen.Add(entry.Code)) { errors.Add($"{where}: duplicate code"); continue; }
            if (string.IsNullOrWhiteSpace(entry.Name)) { errors.Add($"{where}: name is required"); }
            if (string.IsNullOrWhiteSpace(entry.LegalBasis)) { errors.Add($"{where}: legalBasis is required"); }
            if (string.IsNullOrWhiteSpace(entry.ReplacementMethod)) { errors.Add($"{where}: replacementMethod is required"); }
            if (string.IsNullOrWhiteSpace(entry.OwningDepartment)) { errors.Add($"{where}: owningDepartment is required"); }
            var sla = ParseSla(entry.SlaClass);
            if (sla is null) { errors.Add($"{where}: slaClass must be one of immediate, records, onSite"); }
            var fields = (entry.Fields ?? []).ToHashSet(StringComparer.Ordinal);
            var disclosable = (entry.DisclosableFields ?? []).ToHashSet(StringComparer.Ordinal);
            foreach (var d in disclosable.Where(d => !fields.Contains(d)))
            {
                errors.Add($"{where}: disclosable field '{d}' is not one of its fields");
            }

            if (entry.EffectiveFrom is { } from && entry.EffectiveUntil is { } until && until <= from)
            {
                errors.Add($"{where}: effectiveUntil must be after effectiveFrom");
            }

            if (sla is not null)
            {
                items.Add(new CatalogItem
                {
                    Code = entry.Code,
                    Name = entry.Name ?? "",
                    LegalBasis = entry.LegalBasis ?? "",
                    ReplacementMethod = entry.ReplacementMethod ?? "",
                    OwningDepartment = entry.OwningDepartment ?? "",
                    SlaClass = sla.Value,
                    Fields = fields,
                    DisclosableFields = disclosable,
                    Requesters = (entry.Requesters ?? []).ToHashSet(StringComparer.Ordinal),
                    EffectiveFrom = entry.EffectiveFrom,
                    EffectiveUntil = entry.EffectiveUntil,
                });
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Catalog '{source}' has {errors.Count} problem(s): " + string.Join("; ", errors));
        }

        return new FileCatalog(items);
    }

    private static SlaClass? ParseSla(string? value) => value?.ToUpperInvariant() switch
    {
        "IMMEDIATE" => SlaClass.Immediate,
        "RECORDS" => SlaClass.Records,
        "ONSITE" or "ON_SITE" or "ON-SITE" => SlaClass.OnSite,
        _ => null,
    };

    private sealed class CatalogFile
    {
        public List<CatalogEntry>? Items { get; set; }
    }

    private sealed class CatalogEntry
    {
        public string? Code { get; set; }
        public string? Name { get; set; }
        public string? LegalBasis { get; set; }
        public string? ReplacementMethod { get; set; }
        public string? OwningDepartment { get; set; }
        public string? SlaClass { get; set; }
        public List<string>? Fields { get; set; }
        public List<string>? DisclosableFields { get; set; }

        public List<string>? Requesters { get; set; }

        public DateOnly? EffectiveFrom { get; set; }

        public DateOnly? EffectiveUntil { get; set; }
    }
}
