using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Identity;

/// <summary>
/// Insecure loopback mode only: a caller without a client certificate is let in as "declared", and
/// the services fall back to what the request declares (department, officer), marked as declared
/// on the audit trail. Never registered in certificate mode.
/// </summary>
internal sealed class DeclaredCallerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "declared";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = new ClaimsIdentity([new Claim(CallerIdentity.DeclaredClaim, "true")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
