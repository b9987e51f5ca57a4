using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NoCertHub.Hosting.Pki;

/// <summary>
/// A small certificate authority kept in one folder, for development and a pilot: <c>ca.pem</c> and
/// <c>ca.key.pem</c>, the revocation list <c>ca.crl.pem</c>, and every certificate it issued as
/// <c>issued/&lt;role&gt;-&lt;department&gt;-&lt;name&gt;.pem</c> with its key beside it. A district runs its
/// government CA instead; the hub only needs that CA's certificate and CRL (see docs/security.md).
/// </summary>
public sealed class CertificateAuthority
{
    public const string CertificateFile = "ca.pem";
    public const string KeyFile = "ca.key.pem";
    public const string RevocationFile = "ca.crl.pem";

    private readonly string _folder;
    private readonly X509Certificate2 _certificate;

    private CertificateAuthority(string folder, X509Certificate2 certificate)
    {
        _folder = folder;
        _certificate = certificate;
    }

    public X509Certificate2 Certificate => _certificate;

    public string CertificatePath => Path.Combine(_folder, CertificateFile);

    public string RevocationListPath => Path.Combine(_folder, RevocationFile);

    /// <summary>Where the private key of the certificate at <paramref name="certificatePath"/> (<c>….pem</c>) lies: beside it, as <c>….key.pem</c>.</summary>
    public static string KeyPathOf(string certificatePath) => Path.ChangeExtension(certificatePath, ".key.pem");

    public static bool ExistsIn(string folder) => File.Exists(Path.Combine(folder, CertificateFile)) && File.Exists(Path.Combine(folder, KeyFile));

    /// <summary>Creates a CA in <paramref name="folder"/> (which must not hold one), with an empty revocation list.</summary>
    public static CertificateAuthority Create(string folder, string name, TimeSpan validity, DateTimeOffset? notBefore = null)
    {
        if (ExistsIn(folder))
        {
            throw new IOException($"{folder} already holds a CA ({CertificateFile}); remove it or choose another folder");
        }

        Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Jiaojiang District");
        subject.AddCommonName(name);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var from = notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5);
        using var certificate = request.CreateSelfSigned(from, from.Add(validity));
        WriteFile(Path.Combine(folder, KeyFile), key.ExportPkcs8PrivateKeyPem(), secret: true);
        WriteFile(Path.Combine(folder, CertificateFile), certificate.ExportCertificatePem(), secret: false);
        var ca = Open(folder);
        ca.Publish(new CertificateRevocationListBuilder(), BigInteger.One);
        return ca;
    }

    public static CertificateAuthority Open(string folder)
    {
        if (!ExistsIn(folder))
        {
            throw new FileNotFoundException($"No CA in {folder}: run 'pki init' first", Path.Combine(folder, CertificateFile));
        }

        return new CertificateAuthority(folder, X509Certificate2.CreateFromPemFile(Path.Combine(folder, CertificateFile), Path.Combine(folder, KeyFile)));
    }

    /// <summary>
    /// Issues a certificate for <paramref name="subject"/>: a TLS client certificate, or for the hub a
    /// TLS server certificate valid for <paramref name="hostNames"/>. Writes it and its key under
    /// <c>issued/</c> and returns the certificate's path.
    /// </summary>
    public string Issue(CertificateSubject subject, TimeSpan validity, IReadOnlyList<string>? hostNames = null, DateTimeOffset? notBefore = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject.ToDistinguishedName(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var server = subject.Role == PrincipalRole.Hub;
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication") : new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")], true));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var host in hostNames is { Count: > 0 } ? hostNames : ["localhost", "127.0.0.1"])
            {
                if (System.Net.IPAddress.TryParse(host, out var ip))
                {
                    names.AddIpAddress(ip);
                }
                else
                {
                    names.AddDnsName(host);
                }
            }

            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));
        var from = notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = from.Add(validity) < _certificate.NotAfter ? from.Add(validity) : new DateTimeOffset(_certificate.NotAfter.ToUniversalTime());
        using var issued = request.Create(_certificate, from, until, RandomSerial());
        var folder = Path.Combine(_folder, "issued");
        Directory.CreateDirectory(folder);
        var stem = Path.Combine(folder, $"{subject.Role.Name()}-{subject.Department}-{subject.Name}");
        WriteFile(KeyPathOf(stem + ".pem"), key.ExportPkcs8PrivateKeyPem(), secret: true);
        WriteFile(stem + ".pem", issued.ExportCertificatePem(), secret: false);
        return stem + ".pem";
    }

    /// <summary>Adds the certificate at <paramref name="certificatePath"/> to the revocation list and publishes it again.</summary>
    public void Revoke(string certificatePath)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(_certificate.SubjectName.RawData))
        {
            throw new ArgumentException($"{certificatePath} was not issued by this CA ({_certificate.Subject})", nameof(certificatePath));
        }

        var builder = CertificateRevocationListBuilder.LoadPem(File.ReadAllText(RevocationListPath), out var number);
        builder.AddEntry(certificate, DateTimeOffset.UtcNow, X509RevocationReason.Unspecified);
        Publish(builder, number + 1);
    }

    // Valid for 30 days: operators publish it again (any revocation does) before then; the hub warns when it is stale.
    private void Publish(CertificateRevocationListBuilder builder, BigInteger number)
    {
        var now = DateTimeOffset.UtcNow;
        var crl = builder.Build(_certificate, number, now.AddDays(30), HashAlgorithmName.SHA256, thisUpdate: now.AddMinutes(-5));
        WriteFile(RevocationListPath, PemEncoding.WriteString("X509 CRL", crl), secret: false);
    }

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        serial[0] |= 0x10; // no leading zero byte to trim
        return serial;
    }

    // Keys readable by their owner alone; written to a temporary name first, so a reader never sees half a file.
    private static void WriteFile(string path, string text, bool secret)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
