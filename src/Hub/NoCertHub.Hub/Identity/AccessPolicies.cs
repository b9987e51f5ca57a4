using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using NoCertHub.Hosting.Pki;

namespace NoCertHub.Hub.Identity;

/// <summary>
/// Who may call what: one authorization policy per kind of caller, named on each gRPC service or
/// method with <c>[Authorize(Policy = ...)]</c>. docs/security.md's table of RPCs is checked against
/// the policies the endpoints actually carry.
/// </summary>
internal static class AccessPolicies
{
    /// <summary>A department's service window (role window).</summary>
    public const string Window = "window";

    /// <summary>A department's agent (role agent).</summary>
    public const string Agent = "agent";

    /// <summary>An officer of the joint office (role joint-office, department in Oversight:Departments).</summary>
    public const string JointOffice = "joint-office";

    /// <summary>A department's window or the joint office: acts for its department (catalog proposals, ledgers).</summary>
    public const string Department = "department";

    /// <summary>Any certified caller, whatever the role: public information (the catalog in force).</summary>
    public const string AnyCertified = "any-certified";

    public static void Register(AuthorizationOptions options)
    {
        options.AddPolicy(Window, p => p.AddRequirements(new RoleRequirement(PrincipalRole.Window)));
        options.AddPolicy(Agent, p => p.AddRequirements(new RoleRequirement(PrincipalRole.Agent)));
        options.AddPolicy(JointOffice, p => p.AddRequirements(new RoleRequirement(PrincipalRole.JointOffice)));
        options.AddPolicy(Department, p => p.AddRequirements(new RoleRequirement(PrincipalRole.Window, PrincipalRole.JointOffice)));
        options.AddPolicy(AnyCertified, p => p.AddRequirements(new RoleRequirement(PrincipalRole.Window, PrincipalRole.Agent, PrincipalRole.JointOffice, PrincipalRole.Operator)));
    }

    /// <summary>The caller holds one of <see cref="Roles"/>; a joint-office role counts only for a department configured as the joint office's.</summary>
    internal sealed class RoleRequirement(params PrincipalRole[] roles) : IAuthorizationRequirement
    {
        public IReadOnlyList<PrincipalRole> Roles { get; } = roles;
    }

    internal sealed class RoleHandler(IOptions<OversightOptions> oversight) : AuthorizationHandler<RoleRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleRequirement requirement)
        {
            // Insecure loopback mode: an uncertified caller acts as it declares, and each service checks the declaration as before.
            if (context.User.HasClaim(c => c.Type == CallerIdentity.DeclaredClaim))
            {
                context.Succeed(requirement);
                return Task.CompletedTask;
            }

            if (CallerIdentity.From(context.User) is { } caller && requirement.Roles.Contains(caller.Role)
                && (caller.Role != PrincipalRole.JointOffice || oversight.Value.Departments.Contains(caller.Department, StringComparer.Ordinal)))
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }
    }
}
