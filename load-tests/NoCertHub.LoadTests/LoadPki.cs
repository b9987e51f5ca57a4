using NoCertHub.Hosting.Pki;

namespace NoCertHub.LoadTests;

/// <summary>
/// For a hub run with certificates (--Security:Mode=Certificates): a CA of the run's own, the hub's
/// server certificate, one window certificate per load window and one agent certificate per agent,
/// as the demo makes them.
/// </summary>
internal sealed class LoadPki
{
    public const string Department = "jj-admin-service-center";

    private readonly CertificateAuthority _ca;

    private LoadPki(CertificateAuthority ca, string hubCertificate)
    {
        _ca = ca;
        HubCertificate = hubCertificate;
    }

    public string CaPath => _ca.CertificatePath;

    public string HubCertificate { get; }

    public static LoadPki Create(string work)
    {
        var ca = CertificateAuthority.Create(Path.Combine(work, "pki"), "load harness CA", TimeSpan.FromDays(2));
        return new LoadPki(ca, ca.Issue(new CertificateSubject(PrincipalRole.Hub, "jj-big-data-center", "localhost"), TimeSpan.FromDays(1), ["localhost", "127.0.0.1"]));
    }

    public static string KeyOf(string certificate) => CertificateAuthority.KeyPathOf(certificate);

    /// <summary>The hub's settings for certificate mode.</summary>
    public string[] HubSettings() =>
    [
        "--Security:Mode=Certificates", $"--Security:CaBundle={CaPath}", $"--Security:RevocationList={_ca.RevocationListPath}",
        $"--Security:ServerCertificate={HubCertificate}", $"--Security:ServerKey={KeyOf(HubCertificate)}",
    ];

    public string Window(string window) => _ca.Issue(new CertificateSubject(PrincipalRole.Window, Department, window, "load-officer"), TimeSpan.FromDays(1));

    public string Agent(string department, string agentId) => _ca.Issue(new CertificateSubject(PrincipalRole.Agent, department, agentId), TimeSpan.FromDays(1));
}
