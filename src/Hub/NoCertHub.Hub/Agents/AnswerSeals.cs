using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NoCertHub.Hosting.Seals;
using NoCertHub.Hub.Routing;
using NoCertHub.V1;

namespace NoCertHub.Hub.Agents;

/// <summary>
/// Checks the department seal on one agent's answers before the hub accepts them (Art. 10). With
/// certificates, every answer must be sealed under exactly the certificate the agent connected
/// with, and its key must be that certificate's; a seal that fails is a protocol violation, like
/// any malformed answer. Without certificates (insecure loopback, development only) an unsealed
/// answer is accepted, and a sealed one is still checked against the certificate it carries.
/// </summary>
internal sealed class AnswerSeals : IDisposable
{
    private readonly X509Certificate2? _connection;
    private readonly ISealVerifier? _verifier;
    private readonly TimeSpan _skew;

    public AnswerSeals(X509Certificate2? connectionCertificate, TimeSpan clockSkew)
    {
        _connection = connectionCertificate;
        _verifier = connectionCertificate is null ? null : SealAlgorithms.EcdsaP256.OpenVerifier(connectionCertificate);
        _skew = clockSkew;
    }

    /// <summary>Why <paramref name="answer"/>'s seal is not acceptable from <paramref name="session"/>, or null.</summary>
    public string? Problem(TaskResult answer, RoutedTask task, AgentSession session, DateTimeOffset now)
    {
        var seal = answer.Seal;
        if (seal is null || seal.Signature.IsEmpty)
        {
            return _connection is null ? null : "it is not sealed: with certificates, every answer carries its department's seal (seal, Art. 10)";
        }

        if (SealAlgorithms.Find(seal.Algorithm) is null)
        {
            return $"its seal's algorithm '{Core.TextFields.Quoted(seal.Algorithm)}' is not one the hub knows";
        }

        if (seal.SealedAt is null || (seal.SealedAt.ToDateTimeOffset() - now).Duration() > _skew)
        {
            return $"its seal's time {seal.SealedAt?.ToDateTimeOffset():u} is more than Hub:SealClockSkew ({_skew}) from the hub's clock";
        }

        var sealedAt = seal.SealedAt.ToDateTimeOffset();
        if (_connection is not null)
        {
            if (!seal.Certificate.Span.SequenceEqual(_connection.RawData))
            {
                return "it is sealed under a certificate other than the one this agent connected with";
            }

            return _verifier is null ? "the agent's certificate holds no ECDSA P-256 key to seal with"
                : Verify(_connection, _verifier, answer, task, session, sealedAt);
        }

        X509Certificate2 carried;
        try
        {
            carried = X509CertificateLoader.LoadCertificate(seal.Certificate.Span);
        }
        catch (CryptographicException)
        {
            return "its seal's certificate cannot be read";
        }

        using (carried)
        using (var verifier = SealAlgorithms.EcdsaP256.OpenVerifier(carried))
        {
            return verifier is null ? "its seal's certificate holds no ECDSA P-256 key" : Verify(carried, verifier, answer, task, session, sealedAt);
        }
    }

    public void Dispose() => _verifier?.Dispose();

    private static string? Verify(X509Certificate2 certificate, ISealVerifier verifier, TaskResult answer, RoutedTask task, AgentSession session, DateTimeOffset sealedAt)
    {
        var problem = SealCertificate.SubjectProblem(certificate, session.Department, session.AgentId, sealedAt);
        if (problem is not null)
        {
            return "its seal cannot be this agent's: " + problem;
        }

        return verifier.Verify(Content(answer, task, session, sealedAt).Encode(), answer.Seal.Signature.Span)
            ? null
            : "its seal does not verify: the answer is not what was sealed, or the key that sealed it is not the certificate's";
    }

    /// <summary>The bytes the agent sealed, as the hub knows them: the task's item and subject, the answer, and this session's agent.</summary>
    private static SealContent Content(TaskResult answer, RoutedTask task, AgentSession session, DateTimeOffset sealedAt) => new()
    {
        RequestId = task.RequestId,
        ItemCode = task.ItemCode,
        SubjectKind = (int)task.Task.Subject.Kind,
        SubjectId = task.Task.Subject.Id,
        Verdict = (int)answer.Verdict,
        Fields = answer.Fields.Select(f => (f.Field, (int)f.Verdict)),
        Disclosed = answer.Disclosed,
        Note = answer.Note,
        CheckedBy = answer.CheckedBy,
        Department = session.Department,
        Agent = session.AgentId,
        SealedAt = sealedAt,
    };
}
