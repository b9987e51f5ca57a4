using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Audit;

/// <summary>The audit trail's two secrets: the subject HMAC key and the checkpoint signing key.</summary>
internal sealed class AuditKeys : IDisposable
{
    public AuditKeys(IOptions<AuditOptions> options)
    {
        var o = options.Value;
        SubjectKey = LoadOrCreate(o.SubjectKeyPath, o.CreateMissingKeys, () => RandomNumberGenerator.GetBytes(32), bytes => bytes);
        if (SubjectKey.Length < 32)
        {
            throw new InvalidOperationException($"Audit subject key {o.SubjectKeyPath} holds {SubjectKey.Length} bytes; it needs at least 32 random bytes");
        }

        var pem = LoadOrCreate(o.SigningKeyPath, o.CreateMissingKeys, () =>
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return System.Text.Encoding.ASCII.GetBytes(fresh.ExportPkcs8PrivateKeyPem());
        }, bytes => bytes);
        SigningKey = ECDsa.Create();
        SigningKey.ImportFromPem(System.Text.Encoding.ASCII.GetString(pem));
        if (SigningKey.KeySize != 256)
        {
            throw new InvalidOperationException($"Audit signing key {o.SigningKeyPath} is not an ECDSA P-256 key");
        }

        PublicKeyPem = SigningKey.ExportSubjectPublicKeyInfoPem();
        KeyId = Convert.ToHexStringLower(SHA256.HashData(SigningKey.ExportSubjectPublicKeyInfo()))[..16];
    }

    public byte[] SubjectKey { get; }

    public ECDsa SigningKey { get; }

    public string PublicKeyPem { get; }

    /// <summary>First 16 hex digits of the SHA-256 of the public key, named in every checkpoint.</summary>
    public string KeyId { get; }

    public void Dispose() => SigningKey.Dispose();

    private static byte[] LoadOrCreate(string path, bool create, Func<byte[]> make, Func<byte[], byte[]> use)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return use(File.ReadAllBytes(full));
        }

        if (!create)
        {
            throw new InvalidOperationException($"Audit key {full} is missing and Audit:CreateMissingKeys is off; mount the key, or the chain cannot be verified");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var bytes = make();
        using (var file = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return bytes;
    }
}
