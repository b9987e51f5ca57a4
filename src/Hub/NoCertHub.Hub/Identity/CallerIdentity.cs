using System.Security.Claims;
using Grpc.Core;
using NoCertHub.Hosting.Pki;

namespace NoCertHub.Hub.Identity;

/// <summary>
/// Who is calling, as the client certificate proves (Art. 10): role, department, name (window id,
/// agent id or officer id) and, on a window certificate issued to one officer, that officer.
/// </summary>
internal sealed record CallerIdentity(PrincipalRole Role, string Department, string Name, string? CertifiedOfficer)
{
    /// <summary>The officer this caller's certificate proves: a window certificate's named officer, else the holder.</summary>
    public string Officer => CertifiedOfficer ?? Name;

    public const string RoleClaim = "nocert:role";
    public const string DepartmentClaim = "nocert:department";
    public const string NameClaim = "nocert:name";
    public const string OfficerClaim = "nocert:officer";

    /// <summary>Claim on a caller who presented no certificate (insecure loopback mode only): every role, nothing proven.</summary>
    public const string DeclaredClaim = "nocert:declared";

    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim>
        {
            new(RoleClaim, Role.Name()),
            new(DepartmentClaim, Department),
            new(NameClaim, Name),
            new(ClaimTypes.Name, Name),
        };
        if (CertifiedOfficer is not null)
        {
            claims.Add(new Claim(OfficerClaim, CertifiedOfficer));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, NameClaim, RoleClaim));
    }

    /// <summary>The certified caller in <paramref name="principal"/>, or null for a declared (uncertified) one.</summary>
    public static CallerIdentity? From(ClaimsPrincipal principal)
    {
        if (principal.HasClaim(c => c.Type == DeclaredClaim)
            || !PrincipalRoles.TryParse(principal.FindFirstValue(RoleClaim), out var role)
            || principal.FindFirstValue(DepartmentClaim) is not { } department
            || principal.FindFirstValue(NameClaim) is not { } name)
        {
            return null;
        }

        return new CallerIdentity(role, department, name, principal.FindFirstValue(OfficerClaim));
    }
}

/// <summary>
/// The one place a service learns who is calling: the principal the hub's authentication made of
/// the client certificate, once per call. The audit reads the officer from here, never from free
/// text, whenever a certificate proves one.
/// </summary>
internal interface ICallerIdentityResolver
{
    /// <summary>The certified caller, or null for a caller the insecure loopback mode let in on its declarations.</summary>
    CallerIdentity? Resolve(ServerCallContext context);
}

internal sealed class PrincipalIdentityResolver : ICallerIdentityResolver
{
    public CallerIdentity? Resolve(ServerCallContext context) => CallerIdentity.From(context.GetHttpContext().User);
}
