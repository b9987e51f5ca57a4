using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// One approved version of a certificate in the district's cancellation catalog (证明材料取消清单),
/// with what the hub needs to route and police a check of it.
/// </summary>
internal sealed record CatalogItem
{
    public required string Code { get; init; }
    public required string Name { get; init; }
    public required string LegalBasis { get; init; }
    public required ReplacementMethod ReplacementMethod { get; init; }
    public required string OwningDepartment { get; init; }
    public required SlaClass SlaClass { get; init; }

    /// <summary>The fields an applicant may claim and a department confirms or contradicts.</summary>
    public required IReadOnlySet<string> Fields { get; init; }

    /// <summary>Fields whose record values the requester may see; verdicts only for the rest.</summary>
    public IReadOnlySet<string> DisclosableFields { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// The departments entitled to ask for this item (Art. 17: only for their own duties). Empty:
    /// any department with a case may ask.
    /// </summary>
    public IReadOnlySet<string> Requesters { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public DateOnly? EffectiveFrom { get; init; }

    /// <summary>The first day the item is no longer in force (its legal basis repealed).</summary>
    public DateOnly? EffectiveUntil { get; init; }

    /// <summary>Art. 9: the matters where a written commitment is never enough.</summary>
    public CommitmentDomain Domain { get; init; } = CommitmentDomain.General;

    /// <summary>An on-site check that needs the applicant's authorization letter (Art. 13).</summary>
    public bool RequiresAuthorization { get; init; }

    /// <summary>The approved version this is (1 for the item as first listed).</summary>
    public int Version { get; init; } = 1;

    public bool IsInForceOn(DateOnly day) =>
        (EffectiveFrom is null || day >= EffectiveFrom) && (EffectiveUntil is null || day < EffectiveUntil);

    public CatalogItemSpec ToSpec()
    {
        var spec = new CatalogItemSpec
        {
            Code = Code,
            Name = Name,
            LegalBasis = LegalBasis,
            ReplacementMethod = ReplacementMethod,
            OwningDepartment = OwningDepartment,
            SlaClass = SlaClass,
            EffectiveFrom = (EffectiveFrom is { } from ? CatalogRules.FormatDay(from) : null) ?? "",
            EffectiveUntil = (EffectiveUntil is { } until ? CatalogRules.FormatDay(until) : null) ?? "",
            Domain = Domain,
            RequiresAuthorization = RequiresAuthorization,
        };
        spec.Fields.Add(Fields.Order(StringComparer.Ordinal));
        spec.DisclosableFields.Add(DisclosableFields.Order(StringComparer.Ordinal));
        spec.Requesters.Add(Requesters.Order(StringComparer.Ordinal));
        return spec;
    }

    /// <summary>A spec that <see cref="CatalogRules.Validate"/> accepted, as an item of the given version.</summary>
    public static CatalogItem FromSpec(CatalogItemSpec spec, int version) => new()
    {
        Code = spec.Code,
        Name = spec.Name,
        LegalBasis = spec.LegalBasis,
        ReplacementMethod = spec.ReplacementMethod,
        OwningDepartment = spec.OwningDepartment,
        SlaClass = spec.SlaClass,
        Fields = spec.Fields.ToHashSet(StringComparer.Ordinal),
        DisclosableFields = spec.DisclosableFields.ToHashSet(StringComparer.Ordinal),
        Requesters = spec.Requesters.ToHashSet(StringComparer.Ordinal),
        EffectiveFrom = CatalogRules.ParseDay(spec.EffectiveFrom),
        EffectiveUntil = CatalogRules.ParseDay(spec.EffectiveUntil),
        Domain = spec.Domain == CommitmentDomain.Unspecified ? CommitmentDomain.General : spec.Domain,
        RequiresAuthorization = spec.RequiresAuthorization,
        Version = version,
    };
}
