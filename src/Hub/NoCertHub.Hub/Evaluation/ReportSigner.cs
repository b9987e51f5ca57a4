using System.Security.Cryptography;
using NoCertHub.Hub.Audit;

namespace NoCertHub.Hub.Evaluation;

/// <summary>
/// Signs a report's JSON with the hub's audit signing key (ECDSA P-256, as the audit checkpoints
/// are), so a figure quoted from it can be shown to come from the hub unchanged. The signature
/// file is one line: <c>ECDSA-P256-SHA256 &lt;key id&gt; &lt;base64 signature&gt;</c>.
/// </summary>
internal static class ReportSigner
{
    public const string Algorithm = "ECDSA-P256-SHA256";

    public static string Sign(ReadOnlySpan<byte> json, AuditKeys keys) =>
        $"{Algorithm} {keys.KeyId} {Convert.ToBase64String(keys.SigningKey.SignData(json, HashAlgorithmName.SHA256))}";

    /// <summary>Whether <paramref name="signature"/> is a valid signature of exactly these bytes by the key in <paramref name="publicKeyPem"/>; why not, if not.</summary>
    public static (bool Valid, string Why) Verify(ReadOnlySpan<byte> json, string signature, string publicKeyPem)
    {
        var parts = signature.Trim().Split(' ');
        if (parts is not [Algorithm, var keyId, var value])
        {
            return (false, $"the signature is not '{Algorithm} <key id> <base64>'");
        }

        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        var expectedId = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
        if (keyId != expectedId)
        {
            return (false, $"signed with key {keyId}, not with this public key ({expectedId})");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            return (false, "the signature is not base64");
        }

        return key.VerifyData(json, bytes, HashAlgorithmName.SHA256)
            ? (true, $"signed by key {keyId}")
            : (false, "the signature does not match the report: it was changed after signing, or signed by another key");
    }
}
