using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace NoCertHub.Sdk;

/// <summary>
/// A gRPC channel to the hub that presents the caller's certificate and trusts the hub only as the
/// district's CA vouches for it. Every NoCertHub client (windows, agents, the joint office's tools)
/// opens its channel here.
/// </summary>
public static class NoCertHubChannel
{
    /// <summary>
    /// A channel to <paramref name="address"/> that presents <paramref name="clientCertificate"/> and
    /// accepts the hub's certificate only if it chains to <paramref name="trustedAuthorities"/>; with
    /// neither, a plain channel (a hub in insecure loopback mode, or the machine's trust store).
    /// </summary>
    public static GrpcChannel ForAddress(Uri address, X509Certificate2? clientCertificate = null, X509Certificate2Collection? trustedAuthorities = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (clientCertificate is null && trustedAuthorities is null)
        {
            return GrpcChannel.ForAddress(address);
        }

        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        if (trustedAuthorities is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && ChainsTo(new X509Certificate2(certificate), trustedAuthorities)
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>Loads a certificate and its private key from PEM files, as the district's CA (or <c>pki issue</c>) writes them.</summary>
    public static X509Certificate2 LoadCertificate(string certificatePath, string keyPath) =>
        X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

    /// <summary>Loads the CA certificate(s) of a PEM bundle.</summary>
    public static X509Certificate2Collection LoadAuthorities(string bundlePath)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(bundlePath);
        return authorities;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
