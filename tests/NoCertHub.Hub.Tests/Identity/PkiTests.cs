using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NoCertHub.Hosting.Pki;
using Xunit;

namespace NoCertHub.Hub.Tests.Identity;

/// <summary>The certificate tool and the revocation list the hub reads, on real certificates.</summary>
public sealed class PkiTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-pki-").FullName;

    [Fact]
    public void IssuedCertificate_SaysRoleDepartmentHolderAndOfficer_AndChainsToTheCa()
    {
        var ca = CertificateAuthority.Create(Path.Combine(_directory, "ca"), "test CA", TimeSpan.FromDays(10));

        var path = ca.Issue(new CertificateSubject(PrincipalRole.Window, "jj-admin-service-center", "window-01", "officer-0417"), TimeSpan.FromDays(2));

        using var certificate = X509Certificate2.CreateFromPemFile(path, CertificateAuthority.KeyPathOf(path));
        Assert.Equal(new CertificateSubject(PrincipalRole.Window, "jj-admin-service-center", "window-01", "officer-0417"), CertificateSubject.Read(certificate, out var problem));
        Assert.Null(problem);
        Assert.True(certificate.HasPrivateKey);
        Assert.Contains(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.2");
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CertificateAuthority.KeyPathOf(path)));
        }
    }

    [Fact]
    public void RevocationList_NamesTheRevokedCertificate_AndNoOther()
    {
        var ca = CertificateAuthority.Create(Path.Combine(_directory, "ca"), "test CA", TimeSpan.FromDays(10));
        var revoked = ca.Issue(new CertificateSubject(PrincipalRole.Agent, "jj-civil-affairs", "ca-1"), TimeSpan.FromDays(2));
        var kept = ca.Issue(new CertificateSubject(PrincipalRole.Agent, "jj-civil-affairs", "ca-2"), TimeSpan.FromDays(2));
        var authorities = new X509Certificate2Collection(ca.Certificate);
        Assert.Equal(0, RevocationList.Load(ca.RevocationListPath, authorities).Count);

        ca.Revoke(revoked);

        var list = RevocationList.Load(ca.RevocationListPath, authorities);
        Assert.True(list.IsRevoked(X509Certificate2.CreateFromPem(File.ReadAllText(revoked))));
        Assert.False(list.IsRevoked(X509Certificate2.CreateFromPem(File.ReadAllText(kept))));
        Assert.True(list.NextUpdate > DateTimeOffset.UtcNow);
    }

    [Fact]
    public void RevocationList_OfAnotherCa_OrTamperedWith_IsRefused()
    {
        var ca = CertificateAuthority.Create(Path.Combine(_directory, "ca"), "test CA", TimeSpan.FromDays(10));
        var other = CertificateAuthority.Create(Path.Combine(_directory, "other"), "test CA", TimeSpan.FromDays(10));
        ca.Revoke(ca.Issue(new CertificateSubject(PrincipalRole.Window, "jj-e2e-window", "w1"), TimeSpan.FromDays(2)));

        // Same subject name, another key: the signature gives it away.
        Assert.Throws<CryptographicException>(() => RevocationList.Load(ca.RevocationListPath, new X509Certificate2Collection(other.Certificate)));
        var der = PemEncoding.Find(File.ReadAllText(ca.RevocationListPath)) is var fields ? Convert.FromBase64String(File.ReadAllText(ca.RevocationListPath)[fields.Base64Data]) : [];
        der[^80] ^= 0x01;
        var tampered = Path.Combine(_directory, "tampered.crl");
        File.WriteAllBytes(tampered, der);
        Assert.ThrowsAny<Exception>(() => RevocationList.Load(tampered, new X509Certificate2Collection(ca.Certificate)));
    }

    [Fact]
    public void PkiCommand_InitIssueRevoke_FromTheCommandLine()
    {
        var folder = Path.Combine(_directory, "pki");
        var output = new StringWriter();

        var codes = new[]
        {
            PkiCommand.Run(["init", "--folder", folder], output),
            PkiCommand.Run(["issue", "--folder", folder, "--role", "joint-office", "--department", "jj-joint-office", "--name", "officer-li"], output),
            PkiCommand.Run(["revoke", Path.Combine(folder, "issued", "joint-office-jj-joint-office-officer-li.pem"), "--folder", folder], output),
            PkiCommand.Run(["issue", "--folder", folder, "--role", "mayor", "--department", "x", "--name", "y"], output),
        };

        Assert.Equal([0, 0, 0, 2], codes);
        Assert.Contains("--role must be one of", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, RevocationList.Load(Path.Combine(folder, CertificateAuthority.RevocationFile), new X509Certificate2Collection(CertificateAuthority.Open(folder).Certificate)).Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
