using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using NoCertHub.Hub.Identity;

namespace NoCertHub.Hub.Hosting;

/// <summary>
/// TLS for the hub's gRPC endpoints: its server certificate, and every caller asked for a client
/// certificate, which the authentication checks against the configured CA (not the machine's
/// trust store). Checked before anything opens: certificate mode needs https endpoints and its
/// files; the insecure mode refuses any address but loopback.
/// </summary>
internal static class TransportSecurity
{
    public static WebApplicationBuilder AddTransportSecurity(this WebApplicationBuilder builder)
    {
        var security = Options(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => Configure(https, security)));
        return builder;
    }

    /// <summary>The hub's TLS settings on one HTTPS endpoint (every https endpoint of the configuration gets them by default).</summary>
    public static void Configure(HttpsConnectionAdapterOptions https, SecurityOptions security)
    {
        if (security.Mode == SecurityMode.Certificates)
        {
            https.ServerCertificate = X509Certificate2.CreateFromPemFile(security.ServerCertificate, security.ServerKey);
        }

        // Asked for, not required at the handshake: a caller without one then gets a gRPC status saying why, not a broken connection.
        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
        // The authentication handler validates it against Security:CaBundle and the CRL; the machine's store plays no part.
        https.ClientCertificateValidation = (_, _, _) => true;
        https.CheckCertificateRevocation = false;
    }

    /// <summary>Throws <see cref="TransportSecurityException"/> when the configuration cannot run as its mode promises.</summary>
    public static void Check(IConfiguration configuration)
    {
        var security = Options(configuration);
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => (Name: e.Key, Url: e["Url"] ?? "", Grpc: (e["Protocols"] ?? "Http1AndHttp2").Contains("Http2", StringComparison.OrdinalIgnoreCase)))
            .ToList();
        // Addresses given as --urls or ASPNETCORE_URLS serve both protocols.
        endpoints.AddRange((configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(url => (Name: "(urls)", Url: url, Grpc: true)));
        // Without TLS there is no protocol negotiation: Kestrel serves such an endpoint as HTTP/1.1 only, and no gRPC call works on it.
        foreach (var e in configuration.GetSection("Kestrel:Endpoints").GetChildren().Where(e =>
            (e["Url"] ?? "").StartsWith("http://", StringComparison.OrdinalIgnoreCase) && string.Equals(e["Protocols"], "Http1AndHttp2", StringComparison.OrdinalIgnoreCase)))
        {
            throw new TransportSecurityException(
                $"Kestrel:Endpoints:{e.Key} ({e["Url"]}) is plain http with Protocols Http1AndHttp2: without TLS Kestrel serves it as HTTP/1.1 only and no gRPC call would work. Use https, or set Kestrel:Endpoints:{e.Key}:Protocols to Http2 (gRPC only, no REST/JSON).");
        }

        if (security.Mode == SecurityMode.InsecureLoopback)
        {
            foreach (var (name, url, _) in endpoints.Where(e => !IsLoopback(e.Url)))
            {
                throw new TransportSecurityException(
                    $"Security:Mode InsecureLoopback lets anyone act as any department; it runs on loopback only, and Kestrel:Endpoints:{name} listens on {url}. Use Security:Mode Certificates (see docs/security.md).");
            }

            return;
        }

        foreach (var (name, url, _) in endpoints.Where(e => e.Grpc && !e.Url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            throw new TransportSecurityException(
                $"Kestrel:Endpoints:{name} serves gRPC on {url}: with Security:Mode Certificates every gRPC endpoint is https, so callers can present their certificates.");
        }

        foreach (var (setting, path) in new[] { ("CaBundle", security.CaBundle), ("ServerCertificate", security.ServerCertificate), ("ServerKey", security.ServerKey) })
        {
            if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
            {
                throw new TransportSecurityException(
                    $"Security:{setting} '{path}' is not a file. The hub needs the district CA's certificate, its own server certificate and key (for a pilot: NoCertHub.Hub pki init, then pki issue --role hub; see docs/security.md).");
            }
        }

        if (!string.IsNullOrWhiteSpace(security.RevocationList) && !File.Exists(security.RevocationList))
        {
            throw new TransportSecurityException($"Security:RevocationList '{security.RevocationList}' is not a file; publish the CA's revocation list there, or leave the setting empty.");
        }
    }

    public static SecurityOptions Options(IConfiguration configuration) =>
        configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();

    private static bool IsLoopback(string url) => HubStartup.ListenAddress(url) is { } address && IPAddress.IsLoopback(address.Address);
}

/// <summary>The security configuration cannot run as it promises; nothing was opened.</summary>
internal sealed class TransportSecurityException(string message) : Exception(message);
