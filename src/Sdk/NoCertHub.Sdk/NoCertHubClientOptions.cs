using System.Security.Cryptography.X509Certificates;

namespace NoCertHub.Sdk;

/// <summary>Settings of a <see cref="NoCertHubClient"/>.</summary>
public sealed class NoCertHubClientOptions
{
    /// <summary>The hub's gRPC address, e.g. <c>https://hub.jiaojiang.gov.cn:5080</c>.</summary>
    public Uri? Address { get; set; }

    /// <summary>
    /// The window's certificate (with its private key), issued by the district's CA with role
    /// window: the hub acts on it, not on what a request declares. Required by a hub in certificate mode.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>The CA certificate(s) the hub's own certificate must chain to; the machine's trust store is not used when set.</summary>
    public X509Certificate2Collection? TrustedAuthorities { get; set; }

    /// <summary>How long <see cref="NoCertHubClient.VerifyAsync"/> waits for an answer unless told otherwise.</summary>
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before <see cref="NoCertHubClient.WatchAsync"/> reconnects after a dropped stream; doubles up to <see cref="WatchReconnectMax"/>.</summary>
    public TimeSpan WatchReconnectMin { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between two reconnect attempts of a watch.</summary>
    public TimeSpan WatchReconnectMax { get; set; } = TimeSpan.FromSeconds(10);
}
