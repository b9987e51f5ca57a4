using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// One certificate in the district's cancellation catalog (证明材料取消清单), with what
/// the hub needs to route and police a check of it.
/// </summary>
internal sealed record CatalogItem
{
    public required string Code { get; init; }
    public required string Name { get; init; }
    public required string LegalBasis { get; init; }
    public required string ReplacementMethod { get; init; }
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

    public bool IsInForceOn(DateOnly day) =>
        (EffectiveFrom is null || day >= EffectiveFrom) && (EffectiveUntil is null || day < EffectiveUntil);
}
