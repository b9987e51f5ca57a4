namespace NoCertHub.Hub.Identity;

internal enum SecurityMode
{
    /// <summary>TLS with client certificates of the configured CA: every caller proven (production, the demo).</summary>
    Certificates,

    /// <summary>
    /// Plain HTTP/2, callers without certificates acting as they declare. Only for tests on loopback:
    /// the hub refuses to start with it on any other address, and warns at every start.
    /// </summary>
    InsecureLoopback,
}

internal sealed class SecurityOptions
{
    public const string Section = "Security";

    public SecurityMode Mode { get; set; } = SecurityMode.Certificates;

    /// <summary>PEM file of the CA certificate(s) client certificates must chain to: the district's government CA. Nothing else is trusted.</summary>
    public string CaBundle { get; set; } = "";

    /// <summary>The CA's revocation list (PEM or DER), read again when the file changes. Empty: none (the hub warns).</summary>
    public string RevocationList { get; set; } = "";

    /// <summary>The hub's TLS server certificate (PEM) and its private key (PEM).</summary>
    public string ServerCertificate { get; set; } = "";

    public string ServerKey { get; set; } = "";

    /// <summary>
    /// Refuse requests whose officer only the request declares: every lookup must come through a
    /// window certificate issued to its officer (UID). Off by default: a declared officer is
    /// accepted and marked "(declared; certificate of window …)" on every record.
    /// </summary>
    public bool RequireCertifiedOfficer { get; set; }
}
