using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NoCertHub.Hosting.Seals;
using NoCertHub.V1;

namespace NoCertHub.Sdk.Seals;

/// <summary>
/// Checks the department seal on results against the district's CA. Thread-safe; a certificate's
/// key and issuer are worked out once and kept, so checking an answer costs one signature check.
/// </summary>
public sealed class SealVerifier : IDisposable
{
    private const int MaxCachedCertificates = 1024;
    private readonly X509Certificate2Collection? _authorities;
    private readonly ConcurrentDictionary<string, Signer> _signers = new(StringComparer.Ordinal);

    /// <summary>A verifier trusting <paramref name="trustedAuthorities"/> (the district CA bundle); with none, no seal is better than <see cref="SealStatus.Untrusted"/>.</summary>
    public SealVerifier(X509Certificate2Collection? trustedAuthorities) => _authorities = trustedAuthorities;

    /// <summary>Checks <paramref name="result"/>'s seal against its present contents.</summary>
    public SealCheck Check(VerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var seal = result.Seal;
        if (seal is null || seal.Signature.IsEmpty)
        {
            return new SealCheck(SealStatus.Unsealed, "the answer carries no seal");
        }

        var sealedAt = seal.SealedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
        if (SealAlgorithms.Find(seal.Algorithm) is not { } algorithm)
        {
            return new SealCheck(SealStatus.Invalid, $"the seal's algorithm '{seal.Algorithm}' is not one this SDK knows", SealedAt: sealedAt);
        }

        var signer = SignerOf(seal.Certificate.Span, algorithm);
        if (signer.Problem is not null)
        {
            return new SealCheck(SealStatus.Invalid, signer.Problem, SealedAt: sealedAt);
        }

        var certificate = signer.Certificate!;
        var check = new SealCheck(SealStatus.Valid, null, signer.Department, signer.Agent, NullIfEmpty(result.CheckedBy), certificate, sealedAt);
        var problem = SealCertificate.SubjectProblem(certificate, result.AnsweringDepartment, result.AnsweringAgent, sealedAt);
        if (problem is not null)
        {
            return check with { Status = SealStatus.Invalid, Problem = problem };
        }

        if (!signer.Verifier!.Verify(SealContents.Of(result).Encode(), seal.Signature.Span))
        {
            return check with { Status = SealStatus.Invalid, Problem = "the answer is not what its agent sealed: it was altered after sealing" };
        }

        return _authorities is null ? check with { Status = SealStatus.Untrusted, Problem = "no trusted authority is configured to check the sealing certificate against" }
            : !signer.IssuedByTrusted ? check with { Status = SealStatus.Untrusted, Problem = $"the sealing certificate ({certificate.Subject}) was not issued by a trusted authority" }
            : check;
    }

    /// <summary>Releases the cached keys.</summary>
    public void Dispose()
    {
        foreach (var signer in _signers.Values)
        {
            signer.Verifier?.Dispose();
        }

        _signers.Clear();
    }

    private Signer SignerOf(ReadOnlySpan<byte> der, ISealAlgorithm algorithm)
    {
        var key = algorithm.Name + ":" + Convert.ToBase64String(SHA256.HashData(der));
        if (_signers.TryGetValue(key, out var known))
        {
            return known;
        }

        if (_signers.Count >= MaxCachedCertificates)
        {
            _signers.Clear();
        }

        var opened = Open(der.ToArray(), algorithm);
        if (!_signers.TryAdd(key, opened) && _signers.TryGetValue(key, out var winner))
        {
            opened.Verifier?.Dispose();
            return winner;
        }

        return opened;
    }

    private Signer Open(byte[] der, ISealAlgorithm algorithm)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return new Signer(null, null, null, null, false, "the seal's certificate cannot be read");
        }

        var verifier = algorithm.OpenVerifier(certificate);
        if (verifier is null)
        {
            return new Signer(null, null, null, null, false, $"the seal's certificate holds no {algorithm.Name} key");
        }

        var subject = Hosting.Pki.CertificateSubject.Read(certificate, out _);
        var issued = _authorities is not null && SealCertificate.IssuedBy(certificate, _authorities);
        return new Signer(certificate, verifier, subject.Department, subject.Name, issued, null);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private sealed record Signer(X509Certificate2? Certificate, ISealVerifier? Verifier, string? Department, string? Agent, bool IssuedByTrusted, string? Problem);
}
