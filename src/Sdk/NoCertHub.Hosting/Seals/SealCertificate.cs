using System.Security.Cryptography.X509Certificates;
using NoCertHub.Hosting.Pki;

namespace NoCertHub.Hosting.Seals;

/// <summary>
/// Whether a certificate may stand behind a department's seal: an agent certificate of that
/// department, issued to that agent, in force when the answer was sealed, and (where the
/// district's CA is known) issued by it.
/// </summary>
public static class SealCertificate
{
    /// <summary>Why <paramref name="certificate"/> cannot carry <paramref name="agent"/>'s seal for <paramref name="department"/> at <paramref name="sealedAt"/>, or null when it can (its issuer not checked).</summary>
    public static string? SubjectProblem(X509Certificate2 certificate, string department, string agent, DateTimeOffset sealedAt)
    {
        var subject = CertificateSubject.Read(certificate, out var problem);
        if (problem is not null)
        {
            return problem;
        }

        if (subject.Role != PrincipalRole.Agent)
        {
            return $"the sealing certificate is a {subject.Role.Name()} certificate, not an agent's";
        }

        if (subject.Department != department || subject.Name != agent)
        {
            return $"the seal's certificate is {subject.Department}'s agent {subject.Name}, but the answer names {department}'s agent {agent}";
        }

        return sealedAt < certificate.NotBefore || sealedAt > certificate.NotAfter
            ? $"the sealing certificate was not in force at {sealedAt:u} (valid {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u})"
            : null;
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (times are checked apart, against the sealing time).</summary>
    public static bool IssuedBy(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTimeIgnored = true;
        return chain.Build(certificate);
    }
}
