using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Identity;

internal static class IdentityServiceCollectionExtensions
{
    /// <summary>The scheme every call is authenticated by: the client certificate, or in insecure loopback mode a declared caller when none is presented.</summary>
    public const string CallerScheme = "caller";

    public static IServiceCollection AddCallerIdentity(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section);
        services.AddSingleton<ClientCertificateCheck>();
        services.AddSingleton<ICallerIdentityResolver, PrincipalIdentityResolver>();
        services.AddSingleton<IAuthorizationHandler, AccessPolicies.RoleHandler>();
        services.AddAuthorization(AccessPolicies.Register);
        services.AddAuthentication(CallerScheme)
            .AddPolicyScheme(CallerScheme, "client certificate, or a declared caller in insecure loopback mode", o => o.ForwardDefaultSelector = context =>
                context.Connection.ClientCertificate is null
                && context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.Mode == SecurityMode.InsecureLoopback
                    ? DeclaredCallerHandler.SchemeName
                    : CertificateAuthenticationDefaults.AuthenticationScheme)
            .AddCertificate()
            // Validated (chain, CRL, subject) once per certificate for two minutes, not on every call; a revocation takes effect within that.
            .AddCertificateCache(o => o.CacheEntryExpiration = TimeSpan.FromMinutes(2))
            .AddScheme<AuthenticationSchemeOptions, DeclaredCallerHandler>(DeclaredCallerHandler.SchemeName, null);
        services.AddOptions<CertificateAuthenticationOptions>(CertificateAuthenticationDefaults.AuthenticationScheme)
            .Configure<ClientCertificateCheck, IOptions<SecurityOptions>>((o, check, security) =>
            {
                // Only the configured CA: not the operating system's store, not any self-signed certificate.
                o.AllowedCertificateTypes = CertificateTypes.Chained;
                o.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
                if (security.Value.Mode == SecurityMode.Certificates || File.Exists(security.Value.CaBundle))
                {
                    o.CustomTrustStore = check.Authorities;
                }

                // Revocation is checked against the configured CRL file (ClientCertificateCheck), never over the network.
                o.RevocationMode = X509RevocationMode.NoCheck;
                o.ValidateCertificateUse = true;
                o.ValidateValidityPeriod = true;
                // The certificate is validated once per connection, not per call.
                o.Events = new CertificateAuthenticationEvents
                {
                    OnCertificateValidated = context =>
                    {
                        if (check.Check(context.ClientCertificate, out var refusal) is { } caller)
                        {
                            context.Principal = caller.ToPrincipal(context.Scheme.Name);
                            context.Success();
                        }
                        else
                        {
                            AccessRefusal.Set(context.HttpContext, refusal!);
                            context.Fail(refusal!);
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        return services;
    }
}
