using NoCertHub.V1;

namespace NoCertHub.Hub.Core;

/// <summary>Who a lookup's subject is to the case it names, as the window declared the case.</summary>
internal static class SubjectRoles
{
    public const string Applicant = "applicant";
    public const string RelatedParty = "related_party";
    public const string NotAParty = "not_a_party";

    public static string Of(Subject subject, Subject applicant, IEnumerable<Subject> relatedParties) =>
        Same(subject, applicant) ? Applicant : relatedParties.Any(p => Same(subject, p)) ? RelatedParty : NotAParty;

    // ID numbers end in a check character that may be written 'x' or 'X'.
    private static bool Same(Subject a, Subject b) => a.Kind == b.Kind && string.Equals(a.Id, b.Id, StringComparison.OrdinalIgnoreCase);
}
