using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NoCertHub.Hosting.Seals;
using NoCertHub.V1;

namespace NoCertHub.Sdk.Seals;

/// <summary>
/// Seals a department's answers with its agent's certificate key (Art. 10, 电子印章): what an
/// agent calls on every <see cref="TaskResult"/> before it goes to the hub. Thread-safe.
/// </summary>
public sealed class ResultSealer : IDisposable
{
    private readonly ISealSigner _signer;
    private readonly ISealAlgorithm _algorithm;
    private readonly ByteString _certificate;
    private readonly string _department;
    private readonly string _agent;
    private readonly TimeProvider _time;

    /// <summary>
    /// A sealer for <paramref name="agent"/> of <paramref name="department"/>, signing with
    /// <paramref name="certificate"/>'s private key (the agent certificate it connects with).
    /// </summary>
    public ResultSealer(X509Certificate2 certificate, string department, string agent, TimeProvider? time = null)
        : this(certificate, SealAlgorithms.EcdsaP256.OpenSigner(certificate), SealAlgorithms.EcdsaP256, department, agent, time)
    {
    }

    /// <summary>A sealer whose signatures come from <paramref name="signer"/> (tests: a key that is not the certificate's).</summary>
    internal ResultSealer(X509Certificate2 certificate, ISealSigner signer, ISealAlgorithm algorithm, string department, string agent, TimeProvider? time)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        _signer = signer;
        _algorithm = algorithm;
        _certificate = ByteString.CopyFrom(certificate.RawData);
        _department = department;
        _agent = agent;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Sets <paramref name="result"/>'s seal over its present contents, for the task's item and subject; change nothing in it afterwards.</summary>
    public void Seal(TaskResult result, string itemCode, Subject subject)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(subject);
        // Whole milliseconds: the seal's bytes carry sealed_at in milliseconds, the Timestamp must say the same.
        var sealedAt = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        var content = SealContents.Of(result, itemCode, subject, _department, _agent, sealedAt).Encode();
        result.Seal = new Seal
        {
            Algorithm = _algorithm.Name,
            Signature = ByteString.CopyFrom(_signer.Sign(content)),
            Certificate = _certificate,
            SealedAt = Timestamp.FromDateTimeOffset(sealedAt),
        };
    }

    /// <summary>Releases the key.</summary>
    public void Dispose() => _signer.Dispose();
}
