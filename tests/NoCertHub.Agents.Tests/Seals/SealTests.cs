using System.Security.Cryptography.X509Certificates;
using NoCertHub.Hosting.Pki;
using NoCertHub.Sdk.Seals;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Agents.Tests.Seals;

/// <summary>
/// The seal as the agent makes it and the window checks it, without a hub in between: the
/// result is copied into a VerificationResult the way the hub copies it.
/// </summary>
public sealed class SealTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-seal-").FullName;
    private readonly CertificateAuthority _ca;
    private readonly X509Certificate2Collection _trusted;

    public SealTests()
    {
        _ca = CertificateAuthority.Create(Path.Combine(_directory, "ca"), "seal test CA", TimeSpan.FromDays(30), DateTimeOffset.UtcNow.AddDays(-1));
        _trusted = [X509CertificateLoader.LoadCertificateFromFile(_ca.CertificatePath)];
    }

    [Fact]
    public void ASealedAnswer_IsValid_WhateverOrderItsFieldsAndDisclosuresTravelIn()
    {
        var delivered = Delivered(Sealed("ca-1"));
        var reordered = delivered.Clone();
        reordered.Fields.Clear();
        reordered.Fields.Add(delivered.Fields.Reverse());

        using var verifier = new SealVerifier(_trusted);
        var check = verifier.Check(reordered);

        Assert.True(check.IsValid, check.Problem);
        Assert.Equal(("jj-civil-affairs", "ca-1"), (check.Department, check.Agent));
    }

    [Theory]
    [InlineData("verdict")]
    [InlineData("field")]
    [InlineData("disclosed")]
    [InlineData("note")]
    [InlineData("subject")]
    [InlineData("request")]
    [InlineData("time")]
    public void AnythingChangedAfterSealing_MakesTheSealInvalid(string what)
    {
        var delivered = Delivered(Sealed("ca-1"));
        switch (what)
        {
            case "verdict": delivered.Verdict = Verdict.Match; break;
            case "field": delivered.Fields[0].Verdict = FieldVerdictKind.Match; break;
            case "disclosed": delivered.Disclosed["name"] = "王五"; break;
            case "note": delivered.Note = "edited"; break;
            case "subject": delivered.Subject.Id = "331002199001010011"; break;
            case "request": delivered.RequestId = "r01-" + new string('1', 32); break;
            case "time": delivered.Seal.SealedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(delivered.Seal.SealedAt.ToDateTimeOffset().AddSeconds(1)); break;
        }

        using var verifier = new SealVerifier(_trusted);
        var check = verifier.Check(delivered);

        Assert.Equal(SealStatus.Invalid, check.Status);
        Assert.Contains("altered after sealing", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAnswerClaimingAnotherAgent_OrUnsealed_OrFromAnotherCa_OrWithNoCaToCheck_IsNotValid()
    {
        var otherAgent = Delivered(Sealed("ca-1"));
        otherAgent.AnsweringAgent = "ca-2";
        var unsealed = Delivered(Sealed("ca-1"));
        unsealed.Seal = null;
        var foreignCa = CertificateAuthority.Create(Path.Combine(_directory, "foreign"), "another CA", TimeSpan.FromDays(30), DateTimeOffset.UtcNow.AddDays(-1));
        var foreign = Delivered(Sealed("ca-1", foreignCa));

        using var verifier = new SealVerifier(_trusted);
        using var trustingNothing = new SealVerifier(null);

        Assert.Equal(SealStatus.Invalid, verifier.Check(otherAgent).Status);
        Assert.Contains("names jj-civil-affairs's agent ca-2", verifier.Check(otherAgent).Problem, StringComparison.Ordinal);
        Assert.Equal(SealStatus.Unsealed, verifier.Check(unsealed).Status);
        Assert.Equal(SealStatus.Untrusted, verifier.Check(foreign).Status);
        Assert.Equal(SealStatus.Untrusted, trustingNothing.Check(Delivered(Sealed("ca-1"))).Status);
    }

    [Fact]
    public void AWindowCertificate_CannotSealAnAnswer()
    {
        var window = _ca.Issue(new CertificateSubject(PrincipalRole.Window, "jj-civil-affairs", "ca-1"), TimeSpan.FromDays(1));
        using var certificate = X509Certificate2.CreateFromPemFile(window, CertificateAuthority.KeyPathOf(window));
        using var sealer = new ResultSealer(certificate, "jj-civil-affairs", "ca-1");
        var (result, task) = Answer();
        sealer.Seal(result, task.ItemCode, task.Subject);

        using var verifier = new SealVerifier(_trusted);
        var check = verifier.Check(Delivered((result, task)));

        Assert.Equal(SealStatus.Invalid, check.Status);
        Assert.Contains("window certificate, not an agent's", check.Problem, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (TaskResult Result, VerificationTask Task) Sealed(string agent, CertificateAuthority? ca = null)
    {
        var issued = (ca ?? _ca).Issue(new CertificateSubject(PrincipalRole.Agent, "jj-civil-affairs", agent), TimeSpan.FromDays(1));
        using var certificate = X509Certificate2.CreateFromPemFile(issued, CertificateAuthority.KeyPathOf(issued));
        using var sealer = new ResultSealer(certificate, "jj-civil-affairs", agent);
        var (result, task) = Answer();
        sealer.Seal(result, task.ItemCode, task.Subject);
        return (result, task);
    }

    private static (TaskResult, VerificationTask) Answer()
    {
        var task = new VerificationTask { RequestId = "r00-" + new string('0', 32), ItemCode = "JJ-MZ-001", Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X", Name = "张伟" } };
        var result = new TaskResult { RequestId = task.RequestId, Verdict = Verdict.Mismatch, Note = "record differs" };
        result.Fields.Add(new FieldVerdict { Field = "marital_status", Verdict = FieldVerdictKind.Mismatch });
        result.Fields.Add(new FieldVerdict { Field = "name", Verdict = FieldVerdictKind.Match });
        result.Disclosed["name"] = "张伟";
        result.Disclosed["marital_status"] = "未婚";
        return (result, task);
    }

    // What the hub hands the window: the answer, the task's item and subject, and the answering agent.
    private static VerificationResult Delivered((TaskResult Result, VerificationTask Task) answered)
    {
        var (result, task) = answered;
        var certificate = X509CertificateLoader.LoadCertificate(result.Seal?.Certificate.ToByteArray() ?? []);
        var delivered = new VerificationResult
        {
            RequestId = task.RequestId,
            ItemCode = task.ItemCode,
            Verdict = result.Verdict,
            Note = result.Note,
            AnsweringDepartment = "jj-civil-affairs",
            AnsweringAgent = CertificateSubject.Read(certificate, out _).Name,
            Subject = new Subject { Kind = task.Subject.Kind, Id = task.Subject.Id },
            Seal = result.Seal,
        };
        delivered.Fields.Add(result.Fields.Select(f => f.Clone()));
        delivered.Disclosed.Add(result.Disclosed);
        return delivered;
    }
}
