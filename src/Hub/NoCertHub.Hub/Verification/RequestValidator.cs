using Grpc.Core;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Redis;
using NoCertHub.V1;

namespace NoCertHub.Hub.Verification;

/// <summary>A request the hub will route: well-formed, for an item in force, with a known officer.</summary>
internal sealed record ValidatedRequest(VerificationRequest Request, CatalogItem Item, string Officer, string WindowId);

/// <summary>
/// Checks a request before anything is recorded or routed. Each refusal names the field or the
/// rule (Art. 6, 17, 21) so the window can fix the request.
/// </summary>
internal sealed class RequestValidator(ICatalog catalog, IDepartmentRegistry departments, TimeProvider time, IOptions<SecurityOptions>? security = null)
{
    public ValidatedRequest Validate(VerificationRequest? request, CallerIdentity? caller)
    {
        if (request is null)
        {
            throw Invalid("request is required");
        }

        TextFields.Require(request.ItemCode, "item_code", 64);
        if (request.Subject is null)
        {
            throw Invalid("subject is required");
        }

        SubjectIds.Validate(request.Subject, "subject");
        if (request.Applicant is not null)
        {
            SubjectIds.Validate(request.Applicant, "applicant");
        }

        if (request.RelatedParties.Count > 16)
        {
            throw Invalid("related_parties has more than 16 entries");
        }

        for (var i = 0; i < request.RelatedParties.Count; i++)
        {
            SubjectIds.Validate(request.RelatedParties[i], $"related_parties[{i}]");
        }

        TextFields.Require(request.CaseNumber, "case_number", 128, "every lookup must name the case it serves (Art. 17)");
        TextFields.Require(request.Purpose, "purpose", 512, "every lookup must state its purpose (Art. 17)");
        if (request.Requester is null)
        {
            throw Invalid("requester is required (department, window, officer)");
        }

        TextFields.RequireIdentifier(request.Requester.Department, "requester.department");
        TextFields.RequireIdentifier(request.Requester.Window, "requester.window");
        var officer = Officer(request.Requester.Officer, caller);
        if (caller is not null && caller.Department != request.Requester.Department)
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied,
                $"requester.department '{request.Requester.Department}' does not match the department '{caller.Department}' of the caller's certificate");
        }

        if (caller is not null && caller.Name != request.Requester.Window)
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied,
                $"requester.window '{request.Requester.Window}' is not the window '{caller.Name}' the caller's certificate was issued to");
        }

        if (!departments.IsKnown(request.Requester.Department))
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied, $"requester.department '{request.Requester.Department}' is not a department the hub knows");
        }

        if (request.ClientRequestId.Length > 0)
        {
            TextFields.RequireIdentifier(request.ClientRequestId, "client_request_id", 128);
        }

        if (request.AuthorizationRef.Length > 256)
        {
            throw Invalid("authorization_ref is longer than 256 characters");
        }

        TextFields.RejectControl(request.AuthorizationRef, "authorization_ref");

        var today = CatalogRules.Today(time);
        var item = catalog.Find(request.ItemCode, today)
            ?? throw new RequestRefusedException(StatusCode.NotFound,
                $"item '{request.ItemCode}' is not in the certificate catalog; only catalogued items may be checked (Art. 6)");
        if (!item.IsInForceOn(today))
        {
            var when = item.EffectiveUntil is { } until && today >= until
                ? $"it stopped on {until:yyyy-MM-dd}"
                : $"it takes effect on {item.EffectiveFrom:yyyy-MM-dd}";
            throw new RequestRefusedException(StatusCode.FailedPrecondition,
                $"item '{item.Code}' ({item.Name}) is not in force: {when} (Art. 6, 21)");
        }

        if (item.ReplacementMethod == ReplacementMethod.Abolished)
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition,
                $"item '{item.Code}' ({item.Name}) is abolished outright: there is nothing to check, and nothing may be asked of the applicant instead (Art. 7, 21)");
        }

        if (item.RequiresAuthorization && string.IsNullOrWhiteSpace(request.AuthorizationRef))
        {
            throw Invalid($"item '{item.Code}' ({item.Name}) is checked on site with the applicant's authorization letter: authorization_ref is required (Art. 13)");
        }

        if (item.Requesters.Count > 0 && !item.Requesters.Contains(request.Requester.Department))
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied,
                $"department '{request.Requester.Department}' is not entitled to check item '{item.Code}' ({item.Name}); the catalog allows: {string.Join(", ", item.Requesters.Order(StringComparer.Ordinal))} (Art. 17)");
        }

        if (request.Claims.Count > 32)
        {
            throw Invalid("claims has more than 32 fields");
        }

        foreach (var (field, value) in request.Claims)
        {
            if (!item.Fields.Contains(field))
            {
                throw Invalid($"claims: '{TextFields.Quoted(field)}' is not a field of item '{item.Code}'; its fields are: {string.Join(", ", item.Fields.Order(StringComparer.Ordinal))}");
            }

            if (string.IsNullOrWhiteSpace(value) || value.Length > 512)
            {
                throw Invalid($"claims: '{field}' must have a value of 1 to 512 characters");
            }

            TextFields.RejectControl(value, $"claims['{field}']");
        }

        return new ValidatedRequest(request, item, officer, RedisKeys.WindowId(request.Requester.Department, request.Requester.Window));
    }

    /// <summary>
    /// The officer on the record (Art. 10, 17): the one a window certificate issued to an officer
    /// proves; else the declared one, marked as declared on every record (and refused where
    /// Security:RequireCertifiedOfficer says so). Without any certificate (insecure loopback mode) the declaration stands.
    /// </summary>
    private string Officer(string declared, CallerIdentity? caller)
    {
        if (caller?.CertifiedOfficer is { } certified)
        {
            return certified;
        }

        if (caller is not null && security?.Value.RequireCertifiedOfficer == true)
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied,
                $"window {caller.Name}'s certificate names no officer (UID), and this hub takes no declared officer (Security:RequireCertifiedOfficer): use the certificate issued to the officer at the window");
        }

        TextFields.Require(declared, "requester.officer", 128);
        return caller is null ? declared : $"{declared.Trim()} (declared; certificate of window {caller.Name})";
    }

    private static RequestRefusedException Invalid(string message) => new(StatusCode.InvalidArgument, message);
}
