using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NoCertHub.Hosting.Seals;

/// <summary>
/// One way of sealing: how a certificate's private key signs the <see cref="SealContent"/>
/// bytes and how its public key checks them. ECDSA P-256 with SHA-256 is the one in use; a
/// national-standard SM2 seal (GM/T 0003) would be a second implementation of this interface.
/// </summary>
public interface ISealAlgorithm
{
    /// <summary>The name a seal carries, e.g. <c>ECDSA-P256-SHA256</c>.</summary>
    string Name { get; }

    /// <summary>A signer over <paramref name="certificate"/>'s private key; fails if the certificate has none of this algorithm.</summary>
    ISealSigner OpenSigner(X509Certificate2 certificate);

    /// <summary>A verifier over <paramref name="certificate"/>'s public key, or null if it holds no key of this algorithm.</summary>
    ISealVerifier? OpenVerifier(X509Certificate2 certificate);
}

/// <summary>Signs seal contents with one private key. Thread-safe.</summary>
public interface ISealSigner : IDisposable
{
    byte[] Sign(ReadOnlySpan<byte> content);
}

/// <summary>Checks signatures against one public key. Thread-safe.</summary>
public interface ISealVerifier : IDisposable
{
    bool Verify(ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature);
}

/// <summary>The seal algorithms this build knows.</summary>
public static class SealAlgorithms
{
    /// <summary>ECDSA on NIST P-256 over SHA-256, the signature as r ‖ s (64 bytes, IEEE P1363).</summary>
    public static ISealAlgorithm EcdsaP256 { get; } = new EcdsaP256Sha256();

    /// <summary>The algorithm a seal names, or null when this build does not know it.</summary>
    public static ISealAlgorithm? Find(string name) => name == EcdsaP256.Name ? EcdsaP256 : null;

    private sealed class EcdsaP256Sha256 : ISealAlgorithm
    {
        public string Name => "ECDSA-P256-SHA256";

        public ISealSigner OpenSigner(X509Certificate2 certificate)
        {
            var key = certificate.GetECDsaPrivateKey()
                ?? throw new ArgumentException($"certificate {certificate.Subject} holds no ECDSA private key to seal with", nameof(certificate));
            return new Key(key);
        }

        public ISealVerifier? OpenVerifier(X509Certificate2 certificate)
        {
            var key = certificate.GetECDsaPublicKey();
            if (key is null || key.KeySize != 256)
            {
                key?.Dispose();
                return null;
            }

            return new Key(key);
        }

        // One key object, used under a lock: the platform's ECDSA objects promise no thread safety.
        private sealed class Key(ECDsa key) : ISealSigner, ISealVerifier
        {
            private readonly Lock _gate = new();

            public byte[] Sign(ReadOnlySpan<byte> content)
            {
                lock (_gate)
                {
                    return key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                }
            }

            public bool Verify(ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature)
            {
                lock (_gate)
                {
                    return key.VerifyData(content, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                }
            }

            public void Dispose() => key.Dispose();
        }
    }
}
