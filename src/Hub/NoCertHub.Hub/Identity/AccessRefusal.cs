using System.Security.Cryptography.X509Certificates;
using Grpc.Core;

namespace NoCertHub.Hub.Identity;

/// <summary>Why a caller was not let in, in words a person can act on.</summary>
internal static class AccessRefusal
{
    private const string Key = "nocert.access-refusal";

    public static void Set(HttpContext context, string reason) => context.Items[Key] = reason;

    /// <summary>Answers the call with a trailers-only gRPC response: the status and its message in the headers.</summary>
    public static void TrailersOnly(HttpContext context, StatusCode status, string message)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }

    /// <summary>
    /// The reason for a caller that was not authenticated: the one recorded while checking, or else
    /// what is wrong with the certificate presented (ASP.NET Core's handler says only that it failed).
    /// </summary>
    public static string Describe(HttpContext context, ClientCertificateCheck check, DateTimeOffset now)
    {
        if (context.Items[Key] is string reason)
        {
            return reason;
        }

        var certificate = context.Connection.ClientCertificate;
        if (certificate is null)
        {
            return "no client certificate was presented: every caller needs one issued by the district's CA (see docs/security.md)";
        }

        if (now > certificate.NotAfter)
        {
            return $"certificate {certificate.Subject} expired on {certificate.NotAfter:yyyy-MM-dd HH:mm} UTC";
        }

        if (now < certificate.NotBefore)
        {
            return $"certificate {certificate.Subject} is not valid before {certificate.NotBefore:yyyy-MM-dd HH:mm} UTC";
        }

        var use = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (use is not null && !use.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == "1.3.6.1.5.5.7.3.2"))
        {
            return $"certificate {certificate.Subject} is not issued for TLS client use";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(check.Authorities);
        if (chain.Build(certificate))
        {
            // A result remembered from an earlier call on this certificate: check it again for the reason.
            check.Check(certificate, out var refusal);
            return refusal ?? $"certificate {certificate.Subject} was refused";
        }

        return $"certificate {certificate.Subject} (issued by {certificate.Issuer}) does not chain to the district's CA: {string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct())}";
    }
}
