using Grpc.Core;
using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Identity;

/// <summary>Who may use the joint office's APIs (oversight, audit search), and who is acting, for the record.</summary>
internal sealed class OversightAccess(ICallerIdentityResolver identity, IOptions<OversightOptions> options)
{
    private readonly OversightOptions _options = options.Value;

    /// <summary>Whether a department is one of the joint office's.</summary>
    public bool IsJointOffice(string department) => _options.Departments.Contains(department, StringComparer.Ordinal);

    /// <summary>
    /// The acting officer and department. The call's policy (<see cref="AccessPolicies.JointOffice"/>)
    /// has admitted only the joint office's certificates; a caller without one exists only in the
    /// insecure loopback mode, and acts as declared, marked so on the record.
    /// </summary>
    public (string Actor, string? Department) Acting(ServerCallContext context, string? declaredOfficer)
    {
        if (identity.Resolve(context) is { } caller)
        {
            return (caller.Officer, caller.Department);
        }

        return (string.IsNullOrWhiteSpace(declaredOfficer) ? "(uncertified caller)" : declaredOfficer.Trim() + " (declared, no certificate)", null);
    }
}
