using System.Globalization;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// What makes an item lawful to list (Art. 6-7, 9-10, 13), checked the same way for the seed
/// file and for every proposal. Each problem is named so the proposer can fix it.
/// </summary>
internal static class CatalogRules
{
    /// <summary>The district keeps China Standard Time all year; catalog days are read at UTC+8.</summary>
    public static readonly TimeSpan DistrictOffset = TimeSpan.FromHours(8);

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().ToOffset(DistrictOffset).DateTime);

    /// <summary>A catalog day as the API and the tables write it: yyyy-MM-dd.</summary>
    public static string FormatDay(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly? ParseDay(string? value) =>
        string.IsNullOrEmpty(value) ? null : DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static bool TryParseDay(string? value, out DateOnly? day)
    {
        day = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            day = parsed;
            return true;
        }

        return false;
    }

    /// <summary>Every problem with the spec; empty when it may be listed.</summary>
    public static List<string> Validate(CatalogItemSpec spec, IReadOnlySet<string> departments)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(spec.Code) || spec.Code.Length > 32 || spec.Code.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            errors.Add("code is required: 1 to 32 letters, digits and '-'");
        }

        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            errors.Add("name is required");
        }

        if (string.IsNullOrWhiteSpace(spec.LegalBasis))
        {
            errors.Add("legal_basis is required: the law or rule the certificate rests on (Art. 6)");
        }

        if (spec.ReplacementMethod == ReplacementMethod.Unspecified || !Enum.IsDefined(spec.ReplacementMethod))
        {
            errors.Add("replacement_method is required: abolished, written commitment, data sharing, inter-department check or on-site check (Art. 7)");
        }

        if (!departments.Contains(spec.OwningDepartment))
        {
            errors.Add($"owning_department '{spec.OwningDepartment}' is not a known department");
        }

        foreach (var requester in spec.Requesters.Where(r => !departments.Contains(r)))
        {
            errors.Add($"requesters: '{requester}' is not a known department");
        }

        if (spec.SlaClass == SlaClass.Unspecified || !Enum.IsDefined(spec.SlaClass))
        {
            errors.Add("sla_class is required: immediate, records or on-site (Art. 11)");
        }
        else if (spec.ReplacementMethod == ReplacementMethod.DataSharing && spec.SlaClass != SlaClass.Immediate)
        {
            errors.Add("a data-sharing item is answered at once: its sla_class must be immediate (Art. 10-11)");
        }
        else if (spec.ReplacementMethod == ReplacementMethod.OnSiteCheck && spec.SlaClass != SlaClass.OnSite)
        {
            errors.Add("an on-site check has the on-site time limit: its sla_class must be on-site (Art. 11)");
        }

        if (spec.RequiresAuthorization && spec.ReplacementMethod != ReplacementMethod.OnSiteCheck)
        {
            errors.Add("requires_authorization applies to on-site checks only (Art. 13)");
        }

        if (!Enum.IsDefined(spec.Domain))
        {
            errors.Add("domain is not one of general, public safety, financial security, ecology, health and life");
        }

        if (spec.ReplacementMethod != ReplacementMethod.Abolished && spec.Fields.Count == 0)
        {
            errors.Add("fields: a checked item needs at least one field an applicant can claim");
        }

        var fields = spec.Fields.ToHashSet(StringComparer.Ordinal);
        foreach (var field in spec.DisclosableFields.Where(f => !fields.Contains(f)))
        {
            errors.Add($"disclosable field '{field}' is not one of its fields");
        }

        var datesValid = TryParseDay(spec.EffectiveFrom, out var from) & TryParseDay(spec.EffectiveUntil, out var until);
        if (!datesValid)
        {
            errors.Add("effective_from and effective_until are days written yyyy-MM-dd");
        }
        else if (from is null)
        {
            errors.Add("effective_from is required");
        }
        else if (until is { } u && u <= from)
        {
            errors.Add($"effective_until {u:yyyy-MM-dd} must be after effective_from {from:yyyy-MM-dd}");
        }

        return errors;
    }
}
