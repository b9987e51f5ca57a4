using System.Diagnostics;
using NoCertHub.Sdk;
using NoCertHub.V1;

// A sample approval system at the Jiaojiang administrative service centre: it submits the checks
// of a few cases and prints each verdict as it streams back from the departments.
// Usage: NoCertHub.SampleWindow https://127.0.0.1:5080 --certificate window.pem --key window.key.pem --ca ca.pem
// The window acts as its certificate says: department from its OU, window from its CN.
var hub = new Uri(args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "https://127.0.0.1:5080");
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var certificate = Option("--certificate") is { } certificatePath ? NoCertHubChannel.LoadCertificate(certificatePath, Option("--key") ?? throw new ArgumentException("--key is required with --certificate")) : null;
var department = certificate?.SubjectName.EnumerateRelativeDistinguishedNames().FirstOrDefault(n => n.GetSingleElementType().Value == "2.5.4.11")?.GetSingleElementValue() ?? "jj-admin-service-center";
var window = certificate?.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false)
    ?? "window-" + DateTime.Now.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture);
using var client = new NoCertHubClient(new NoCertHubClientOptions
{
    Address = hub,
    ClientCertificate = certificate,
    TrustedAuthorities = Option("--ca") is { } ca ? NoCertHubChannel.LoadAuthorities(ca) : null,
});

var checks = new (string Label, VerificationRequest Request)[]
{
    ("张伟 is married (MATCH expected)", Person("JJ-MZ-001", "33100219850312001X", "张伟", ("name", "张伟"), ("marital_status", "已婚"))),
    ("李娜 is married (she is not: MISMATCH expected)", Person("JJ-MZ-001", "331002199007210029", "李娜", ("name", "李娜"), ("marital_status", "已婚"))),
    ("林晓's marital status (no record: NOT FOUND expected)", Person("JJ-MZ-001", "331002200005050055", "林晓", ("name", "林晓"), ("marital_status", "未婚"))),
    ("张伟 has no criminal record (MATCH expected)", Person("JJ-GA-001", "33100219850312001X", "张伟")),
    ("陈杰 has no criminal record (he has one: MISMATCH expected)", Person("JJ-GA-001", "331002199501300046", "陈杰")),
    ("王芳 pays social insurance (she paused: MISMATCH expected)", Person("JJ-RS-001", "331002197811020032", "王芳", ("insured_status", "参保缴费"))),
    ("李娜's household address (MATCH expected)", Person("JJ-GA-002", "331002199007210029", "李娜", ("name", "李娜"))),
    ("海门精工 is a live company run by 张伟 (MATCH expected)", Company("JJ-SJ-001", "91331002MA2H7K3L5D", ("legal_representative", "张伟"), ("registration_status", "存续"))),
};

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
var labels = new Dictionary<string, string>();
var started = Stopwatch.StartNew();
// Watch first, so no result can slip past; the SDK resumes from its cursor if the stream drops.
var watched = Task.Run(async () =>
{
    var seen = 0;
    await foreach (var e in client.WatchAsync(department, window, cancellationToken: stop.Token))
    {
        var r = e.Result;
        lock (labels)
        {
            Console.WriteLine($"[{started.ElapsedMilliseconds,5} ms] {Verdict(r.Verdict),-16} {labels.GetValueOrDefault(r.RequestId, r.RequestId)}");
        }

        foreach (var f in r.Fields)
        {
            Console.WriteLine($"{"",26}{f.Field}: {f.Verdict.ToString().ToUpperInvariant()}");
        }

        foreach (var (field, value) in r.Disclosed)
        {
            Console.WriteLine($"{"",26}{field} = {value} (disclosed)");
        }

        Console.WriteLine($"{"",26}answered by {r.AnsweringAgent} of {r.AnsweringDepartment}{(r.Late ? ", LATE" : "")}");
        if (++seen == checks.Length)
        {
            return;
        }
    }
});

Console.WriteLine($"Window {department}/{window} submitting {checks.Length} checks to {hub}");
foreach (var (label, request) in checks)
{
    var receipt = await client.SubmitAsync(request, stop.Token);
    lock (labels)
    {
        labels[receipt.RequestId] = label;
        Console.WriteLine($"[{started.ElapsedMilliseconds,5} ms] submitted        {label} → {receipt.OwningDepartment}, {receipt.SlaClass}, due {receipt.Deadline.ToDateTime().ToLocalTime():yyyy-MM-dd HH:mm}");
    }
}

try
{
    var expired = Person("JJ-MZ-009", "33100219850312001X", "张伟");
    await client.SubmitAsync(expired, stop.Token);
}
catch (ItemNotInForceException e)
{
    Console.WriteLine($"[{started.ElapsedMilliseconds,5} ms] refused          {e.Message}");
}

await watched;
Console.WriteLine($"All {checks.Length} verdicts received in {started.ElapsedMilliseconds} ms.");

VerificationRequest Person(string item, string id, string name, params (string Field, string Value)[] claims) =>
    Request(item, new Subject { Kind = SubjectKind.Person, Id = id, Name = name }, claims);

VerificationRequest Company(string item, string code, params (string Field, string Value)[] claims) =>
    Request(item, new Subject { Kind = SubjectKind.Organization, Id = code }, claims);

VerificationRequest Request(string item, Subject subject, (string Field, string Value)[] claims)
{
    var request = new VerificationRequest
    {
        ItemCode = item,
        Subject = subject,
        CaseNumber = "JJ-2026-" + subject.Id[^6..],
        Purpose = "不动产登记申请 (real estate registration application)",
        Requester = new Requester { Department = department, Window = window, Officer = "officer-0417" },
    };
    foreach (var (field, value) in claims)
    {
        request.Claims[field] = value;
    }

    return request;
}

static string Verdict(Verdict v) => v switch
{
    NoCertHub.V1.Verdict.Match => "MATCH",
    NoCertHub.V1.Verdict.Mismatch => "MISMATCH",
    NoCertHub.V1.Verdict.NotFound => "NOT FOUND",
    NoCertHub.V1.Verdict.NeedsSupplement => "NEEDS SUPPLEMENT",
    _ => v.ToString().ToUpperInvariant(),
};
