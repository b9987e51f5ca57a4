using System.Text.Json;
using System.Text.Json.Serialization;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// The catalog a new district starts from: departments and items in a JSON file, written into the
/// catalog store once, when it is empty, as version 1 of each item. Every problem in the file is
/// reported at start-up, all at once, so a hub never starts on a catalog it half understood.
/// </summary>
internal sealed record CatalogSeed(IReadOnlyDictionary<string, string> Departments, IReadOnlyList<CatalogItemSpec> Items)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static CatalogSeed Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Catalog seed file '{path}' does not exist (Catalog:SeedPath).");
        }

        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    public static CatalogSeed Parse(Stream json, string source)
    {
        SeedFile? file;
        try
        {
            file = JsonSerializer.Deserialize<SeedFile>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"Catalog '{source}' is not valid JSON: {e.Message}", e);
        }

        var errors = new List<string>();
        var departments = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in file?.Departments ?? [])
        {
            if (string.IsNullOrWhiteSpace(d.Code) || string.IsNullOrWhiteSpace(d.Name) || !departments.TryAdd(d.Code, d.Name))
            {
                errors.Add($"department '{d.Code}': needs a unique code and a name");
            }
        }

        var known = departments.Keys.ToHashSet(StringComparer.Ordinal);
        var items = new List<CatalogItemSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (entry, index) in (file?.Items ?? []).Select((e, i) => (e, i)))
        {
            var where = $"item #{index + 1} ({entry.Code ?? "no code"})";
            if (entry.Code is { } code && !seen.Add(code))
            {
                errors.Add($"{where}: duplicate code");
                continue;
            }

            var spec = entry.ToSpec(out var unknown);
            errors.AddRange(unknown.Select(u => $"{where}: {u}"));
            errors.AddRange(CatalogRules.Validate(spec, known).Select(e => $"{where}: {e}"));
            items.Add(spec);
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Catalog '{source}' has {errors.Count} problem(s): " + string.Join("; ", errors));
        }

        return new CatalogSeed(departments, items);
    }

    private sealed class SeedFile
    {
        public List<SeedDepartment>? Departments { get; set; }
        public List<SeedItem>? Items { get; set; }
    }

    private sealed class SeedDepartment
    {
        public string? Code { get; set; }
        public string? Name { get; set; }
    }

    private sealed class SeedItem
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
        public string? EffectiveFrom { get; set; }
        public string? EffectiveUntil { get; set; }
        public string? Domain { get; set; }
        public bool RequiresAuthorization { get; set; }

        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Unknown { get; set; }

        public CatalogItemSpec ToSpec(out List<string> problems)
        {
            problems = [.. (Unknown ?? []).Keys.Select(k => $"'{k}' is not a catalog field")];
            var spec = new CatalogItemSpec
            {
                Code = Code ?? "",
                Name = Name ?? "",
                LegalBasis = LegalBasis ?? "",
                ReplacementMethod = Method(ReplacementMethod, problems),
                OwningDepartment = OwningDepartment ?? "",
                SlaClass = Sla(SlaClass, problems),
                EffectiveFrom = EffectiveFrom ?? "",
                EffectiveUntil = EffectiveUntil ?? "",
                Domain = DomainOf(Domain, problems),
                RequiresAuthorization = RequiresAuthorization,
            };
            spec.Fields.Add(Fields ?? []);
            spec.DisclosableFields.Add(DisclosableFields ?? []);
            spec.Requesters.Add(Requesters ?? []);
            return spec;
        }

        private static ReplacementMethod Method(string? value, List<string> problems) => value switch
        {
            null => V1.ReplacementMethod.Unspecified,
            "abolished" => V1.ReplacementMethod.Abolished,
            "writtenCommitment" => V1.ReplacementMethod.WrittenCommitment,
            "dataSharing" => V1.ReplacementMethod.DataSharing,
            "interDepartmentCheck" => V1.ReplacementMethod.InterDepartmentCheck,
            "onSiteCheck" => V1.ReplacementMethod.OnSiteCheck,
            _ => Problem(problems, $"replacementMethod '{value}' is not one of abolished, writtenCommitment, dataSharing, interDepartmentCheck, onSiteCheck", V1.ReplacementMethod.Unspecified),
        };

        private static SlaClass Sla(string? value, List<string> problems) => value switch
        {
            null => V1.SlaClass.Unspecified,
            "immediate" => V1.SlaClass.Immediate,
            "records" => V1.SlaClass.Records,
            "onSite" => V1.SlaClass.OnSite,
            _ => Problem(problems, $"slaClass '{value}' is not one of immediate, records, onSite", V1.SlaClass.Unspecified),
        };

        private static CommitmentDomain DomainOf(string? value, List<string> problems) => value switch
        {
            null or "general" => CommitmentDomain.General,
            "publicSafety" => CommitmentDomain.PublicSafety,
            "financialSecurity" => CommitmentDomain.FinancialSecurity,
            "ecology" => CommitmentDomain.Ecology,
            "healthAndLife" => CommitmentDomain.HealthAndLife,
            _ => Problem(problems, $"domain '{value}' is not one of general, publicSafety, financialSecurity, ecology, healthAndLife", CommitmentDomain.General),
        };

        private static T Problem<T>(List<string> problems, string problem, T value)
        {
            problems.Add(problem);
            return value;
        }
    }
}
