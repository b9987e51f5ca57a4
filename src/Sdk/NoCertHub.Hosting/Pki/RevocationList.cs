using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NoCertHub.Hosting.Pki;

/// <summary>
/// A certificate revocation list (RFC 5280 §5) read from a file the operators publish: its signature
/// checked against the CA, its revoked serial numbers, and its next update. The hub checks every
/// client certificate against it in memory — no network, no CRL distribution point to reach.
/// </summary>
public sealed class RevocationList
{
    private readonly HashSet<string> _revoked;

    private RevocationList(HashSet<string> revoked, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate)
    {
        _revoked = revoked;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
    }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public int Count => _revoked.Count;

    public bool IsRevoked(X509Certificate2 certificate) => _revoked.Contains(Normalize(certificate.SerialNumber));

    /// <summary>Reads a PEM or DER CRL and checks it was signed by one of <paramref name="issuers"/>; throws <see cref="CryptographicException"/> otherwise.</summary>
    public static RevocationList Load(string path, X509Certificate2Collection issuers)
    {
        var bytes = File.ReadAllBytes(path);
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        if (text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal))
        {
            var fields = PemEncoding.Find(text);
            bytes = Convert.FromBase64String(text[fields.Base64Data]);
        }

        return Parse(bytes, issuers, path);
    }

    private static RevocationList Parse(byte[] der, X509Certificate2Collection issuers, string source)
    {
        var list = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbsBytes = list.PeekEncodedValue().ToArray();
        var tbs = list.ReadSequence();
        var algorithm = list.ReadSequence().ReadObjectIdentifier();
        var signature = list.ReadBitString(out _);

        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger(); // version
        }

        tbs.ReadSequence(); // signature algorithm, again
        var issuerName = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        var thisUpdate = ReadTime(tbs);
        DateTimeOffset? nextUpdate = tbs.HasData && IsTime(tbs.PeekTag()) ? ReadTime(tbs) : null;
        var revoked = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                revoked.Add(Normalize(Convert.ToHexString(entry.ReadIntegerBytes().Span)));
            }
        }

        var issuer = issuers.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(issuerName.RawData))
            ?? throw new CryptographicException($"the revocation list {source} was issued by {issuerName.Name}, which is not a trusted CA");
        if (!Verify(issuer, algorithm, tbsBytes, signature))
        {
            throw new CryptographicException($"the revocation list {source} does not carry a valid signature of {issuer.Subject}");
        }

        return new RevocationList(revoked, thisUpdate, nextUpdate);
    }

    private static bool Verify(X509Certificate2 issuer, string algorithm, byte[] signed, byte[] signature)
    {
        switch (algorithm)
        {
            case "1.2.840.10045.4.3.2" or "1.2.840.10045.4.3.3" or "1.2.840.10045.4.3.4":
                using (var ecdsa = issuer.GetECDsaPublicKey())
                {
                    return ecdsa?.VerifyData(signed, signature, Hash(algorithm), DSASignatureFormat.Rfc3279DerSequence) == true;
                }

            case "1.2.840.113549.1.1.11" or "1.2.840.113549.1.1.12" or "1.2.840.113549.1.1.13":
                using (var rsa = issuer.GetRSAPublicKey())
                {
                    return rsa?.VerifyData(signed, signature, Hash(algorithm), RSASignaturePadding.Pkcs1) == true;
                }

            default:
                return false;
        }

        static HashAlgorithmName Hash(string oid) => oid switch
        {
            "1.2.840.10045.4.3.3" or "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
            "1.2.840.10045.4.3.4" or "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
            _ => HashAlgorithmName.SHA256,
        };
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    // Serial numbers compared as unsigned hex without leading zeros, however each side wrote them.
    private static string Normalize(string hex)
    {
        var value = BigInteger.Parse("0" + hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        return value.ToString("X", System.Globalization.CultureInfo.InvariantCulture).TrimStart('0');
    }
}
