using Grpc.Core;
using NoCertHub.Hub.Core;
using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Identity;

/// <summary>Who may use the joint office's APIs (oversight, audit search), and who is acting, for the record.</summary>
internal sealed class OversightAccess(ICallerIdentityResolver identity, IOptions<OversightOptions> options)
{
    private readonly OversightOptions _options = options.Value;

    /// <summary>Whether a department is one of the joint office's.</summary>
    public bool IsJointOffice(string department) => _options.Departments.Contains(department, StringComparer.Ordinal);

    /// <summary>The acting officer and department; throws Unauthenticated or PermissionDenied for anyone else.</summary>
    public (string Actor, string? Department) Authorize(ServerCallContext context, string? declaredOfficer)
    {
        var caller = identity.Resolve(context);
        if (caller is null)
        {
            if (!_options.AllowWithoutCertificate)
            {
                throw new RequestRefusedException(StatusCode.Unauthenticated, "This API needs the joint office's client certificate");
            }

            return (string.IsNullOrWhiteSpace(declaredOfficer) ? "(uncertified caller)" : declaredOfficer.Trim() + " (declared, no certificate)", null);
        }

        if (caller.Department is null || !_options.Departments.Contains(caller.Department, StringComparer.Ordinal))
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied,
                $"{caller.Officer} of {caller.Department ?? "no department"} may not use this API; it is for {string.Join(", ", _options.Departments)}");
        }

        return (caller.Officer, caller.Department);
    }
}
