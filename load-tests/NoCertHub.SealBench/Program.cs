using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using NoCertHub.Hosting.Pki;
using NoCertHub.Hosting.Seals;
using NoCertHub.Sdk.Seals;
using NoCertHub.V1;

// What a department seal costs per answer (issue 22): the agent sealing it (canonical bytes +
// ECDSA P-256 sign), the hub checking it (canonical bytes + verify against the connection's
// certificate key, held for the stream's life), and the SDK checking it at the window (the same,
// plus the certificate's subject; its chain to the CA is worked out once per certificate and kept).
// Also the bytes a seal adds to each stored result. One thread; bounded by the count; asserts nothing.
//   dotnet run -c Release --project load-tests/NoCertHub.SealBench -- [answers, 20000]
var count = int.Parse(args.ElementAtOrDefault(0) ?? "20000", CultureInfo.InvariantCulture);
var directory = Directory.CreateTempSubdirectory("nocert-sealbench-").FullName;
try
{
    var ca = CertificateAuthority.Create(Path.Combine(directory, "ca"), "seal bench CA", TimeSpan.FromDays(2), DateTimeOffset.UtcNow.AddDays(-1));
    var issued = ca.Issue(new CertificateSubject(PrincipalRole.Agent, "jj-civil-affairs", "ca-1"), TimeSpan.FromDays(1));
    using var certificate = X509Certificate2.CreateFromPemFile(issued, CertificateAuthority.KeyPathOf(issued));
    using var sealer = new ResultSealer(certificate, "jj-civil-affairs", "ca-1");
    using var hubKey = SealAlgorithms.EcdsaP256.OpenVerifier(certificate)!;
    using var window = new SealVerifier([X509CertificateLoader.LoadCertificateFromFile(ca.CertificatePath)]);
    var subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X" };

    TaskResult Answer(int i)
    {
        var result = new TaskResult { RequestId = $"r{i % 100:D2}-{i:D32}", Verdict = Verdict.Match };
        result.Fields.Add(new FieldVerdict { Field = "marital_status", Verdict = FieldVerdictKind.Match });
        result.Fields.Add(new FieldVerdict { Field = "name", Verdict = FieldVerdictKind.Match });
        result.Disclosed["name"] = "张伟";
        return result;
    }

    VerificationResult Delivered(TaskResult r)
    {
        var v = new VerificationResult { RequestId = r.RequestId, ItemCode = "JJ-MZ-001", Verdict = r.Verdict, AnsweringDepartment = "jj-civil-affairs", AnsweringAgent = "ca-1", Subject = subject, Seal = r.Seal };
        v.Fields.Add(r.Fields);
        v.Disclosed.Add(r.Disclosed);
        return v;
    }

    SealContent Content(TaskResult r) => new()
    {
        RequestId = r.RequestId, ItemCode = "JJ-MZ-001", SubjectKind = (int)subject.Kind, SubjectId = subject.Id, Verdict = (int)r.Verdict,
        Fields = r.Fields.Select(f => (f.Field, (int)f.Verdict)), Disclosed = r.Disclosed, Note = r.Note, CheckedBy = r.CheckedBy,
        Department = "jj-civil-affairs", Agent = "ca-1", SealedAt = r.Seal.SealedAt.ToDateTimeOffset(),
    };

    // Warm up every path (JIT, the window's certificate cache).
    for (var i = 0; i < 500; i++)
    {
        var a = Answer(i);
        sealer.Seal(a, "JJ-MZ-001", subject);
        _ = hubKey.Verify(Content(a).Encode(), a.Seal.Signature.Span) && window.Check(Delivered(a)).IsValid ? 0 : throw new InvalidOperationException("a fresh seal does not verify");
    }

    var answers = Enumerable.Range(0, count).Select(Answer).ToArray();
    var started = Stopwatch.GetTimestamp();
    foreach (var a in answers)
    {
        sealer.Seal(a, "JJ-MZ-001", subject);
    }

    var sign = Stopwatch.GetElapsedTime(started);
    started = Stopwatch.GetTimestamp();
    var valid = 0;
    foreach (var a in answers)
    {
        valid += hubKey.Verify(Content(a).Encode(), a.Seal.Signature.Span) ? 1 : 0;
    }

    var hub = Stopwatch.GetElapsedTime(started);
    var delivered = answers.Select(Delivered).ToArray();
    started = Stopwatch.GetTimestamp();
    foreach (var d in delivered)
    {
        valid += window.Check(d).IsValid ? 1 : 0;
    }

    var sdk = Stopwatch.GetElapsedTime(started);
    string PerAnswer(TimeSpan t) => (t.TotalMicroseconds / count).ToString("F1", CultureInfo.InvariantCulture);
    Console.WriteLine($"# dotnet run -c Release --project load-tests/NoCertHub.SealBench -- {count}   ({Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription})");
    Console.WriteLine("| step | µs per answer (one thread) |");
    Console.WriteLine("|---|---:|");
    Console.WriteLine($"| agent seals (encode + ECDSA P-256 sign) | {PerAnswer(sign)} |");
    Console.WriteLine($"| hub checks (encode + verify, key held per stream) | {PerAnswer(hub)} |");
    Console.WriteLine($"| SDK checks (encode + subject + verify, chain cached) | {PerAnswer(sdk)} |");
    Console.WriteLine($"| sign + hub check, per answer | {PerAnswer(sign + hub)} |");
    Console.WriteLine($"Seal on each stored result: {answers[0].Seal.CalculateSize()} bytes (certificate {answers[0].Seal.Certificate.Length}, signature {answers[0].Seal.Signature.Length}); {valid} of {2 * count} checks valid.");
    return valid == 2 * count ? 0 : 1;
}
finally
{
    Directory.Delete(directory, recursive: true);
}
