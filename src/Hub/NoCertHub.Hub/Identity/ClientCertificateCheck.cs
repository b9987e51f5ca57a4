using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using NoCertHub.Hosting.Pki;

namespace NoCertHub.Hub.Identity;

/// <summary>
/// What the hub asks of a client certificate once its chain to the configured CA, its validity
/// period and its use (TLS client) have been checked by ASP.NET Core's certificate authentication:
/// not revoked, a subject naming role, department and holder, and a department the hub knows.
/// </summary>
internal sealed class ClientCertificateCheck(IOptions<SecurityOptions> options, IDepartmentRegistry departments, TimeProvider time, ILogger<ClientCertificateCheck> logger)
{
    private static readonly TimeSpan RecheckEvery = TimeSpan.FromSeconds(5);
    private readonly Lock _gate = new();
    private RevocationList? _revocations;
    private DateTime _revocationsWritten;
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;
    private X509Certificate2Collection? _authorities;

    /// <summary>The CA certificate(s) of <see cref="SecurityOptions.CaBundle"/>: the only trust anchors.</summary>
    public X509Certificate2Collection Authorities
    {
        get
        {
            if (_authorities is null)
            {
                var path = options.Value.CaBundle;
                if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
                {
                    throw new FileNotFoundException(
                        $"Security:CaBundle '{path}' is not a file: the hub needs the CA certificate its callers' certificates are issued by (for a pilot: 'NoCertHub.Hub pki init', see docs/security.md)", path);
                }

                var bundle = new X509Certificate2Collection();
                bundle.ImportFromPemFile(path);
                _authorities = bundle;
            }

            return _authorities;
        }
    }

    /// <summary>The caller the certificate proves, or null with the reason it does not prove one.</summary>
    public CallerIdentity? Check(X509Certificate2 certificate, out string? refusal)
    {
        var subject = CertificateSubject.Read(certificate, out refusal);
        if (refusal is not null)
        {
            refusal = $"certificate {certificate.Subject}: {refusal}";
            return null;
        }

        if (Revocations() is { } revoked && revoked.IsRevoked(certificate))
        {
            refusal = $"certificate {certificate.Subject} (serial {certificate.SerialNumber}) has been revoked";
            return null;
        }

        if (subject.Role == PrincipalRole.Hub)
        {
            refusal = $"certificate {certificate.Subject} is a hub's server certificate, not a caller's";
            return null;
        }

        if (!departments.IsKnown(subject.Department))
        {
            refusal = $"certificate {certificate.Subject} names department '{subject.Department}', which the hub does not know";
            return null;
        }

        return new CallerIdentity(subject.Role, subject.Department, subject.Name, subject.Officer);
    }

    /// <summary>The current revocation list, read again when its file changed; null when none is configured.</summary>
    private RevocationList? Revocations()
    {
        var path = options.Value.RevocationList;
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (now - _checkedAt < RecheckEvery && _revocations is not null)
            {
                return _revocations;
            }

            _checkedAt = now;
            var written = File.GetLastWriteTimeUtc(path);
            if (_revocations is not null && written == _revocationsWritten)
            {
                return _revocations;
            }

            try
            {
                _revocations = RevocationList.Load(path, Authorities);
                _revocationsWritten = written;
                IdentityLog.RevocationListLoaded(logger, path, _revocations.Count, _revocations.NextUpdate);
            }
            catch (Exception e) when (e is IOException or CryptographicException or System.Formats.Asn1.AsnContentException or FormatException)
            {
                // A list that cannot be read must not let revoked certificates back in: keep the last good one, and if there is none, refuse.
                IdentityLog.RevocationListUnreadable(logger, path, e);
                if (_revocations is null)
                {
                    throw new CryptographicException($"Security:RevocationList {path} cannot be read ({e.Message}); no client certificate is accepted until it can", e);
                }
            }

            if (_revocations.NextUpdate is { } next && next < now)
            {
                IdentityLog.RevocationListStale(logger, path, next);
            }

            return _revocations;
        }
    }
}
