using System.Diagnostics;
using System.Globalization;
using HdrHistogram;
using NoCertHub.Sdk;
using NoCertHub.V1;

// Closed-loop Verify load against a running hub (e.g. the one scripts/demo.sh starts with
// KEEP_RUNNING=1). Bounded in count and time; prints numbers, asserts nothing.
//   dotnet run -c Release --project load-tests/NoCertHub.LoadTests -- [address] [concurrency] [requests] [seconds]
var address = new Uri(args.ElementAtOrDefault(0) ?? "http://127.0.0.1:5080");
var concurrency = int.Parse(args.ElementAtOrDefault(1) ?? "64", CultureInfo.InvariantCulture);
var total = int.Parse(args.ElementAtOrDefault(2) ?? "20000", CultureInfo.InvariantCulture);
var limit = TimeSpan.FromSeconds(double.Parse(args.ElementAtOrDefault(3) ?? "60", CultureInfo.InvariantCulture));

using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = address });
var histogram = new LongConcurrentHistogram(1, TimeStamp.Minutes(1), 3);
var issued = 0;
var failures = 0;
var verdicts = new int[8];
using var stop = new CancellationTokenSource(limit);

// Warm-up: connections, JIT, the hub's pools.
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => client.VerifyAsync(Request(0))));

var clock = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
{
    while (!stop.IsCancellationRequested)
    {
        var n = Interlocked.Increment(ref issued);
        if (n > total)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await client.VerifyAsync(Request(n), cancellationToken: stop.Token);
            Interlocked.Increment(ref verdicts[(int)result.Verdict]);
            histogram.RecordValue(Stopwatch.GetTimestamp() - started);
        }
        catch (Exception e) when (e is NoCertHubException or OperationCanceledException)
        {
            Interlocked.Increment(ref failures);
        }
    }
}));
clock.Stop();

var completed = histogram.TotalCount;
double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
Console.WriteLine($"hub {address}  concurrency {concurrency}  completed {completed}  failed {failures}  in {clock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"Verify calls/s: {completed / clock.Elapsed.TotalSeconds:F0}");
Console.WriteLine($"latency ms: p50 {Ms(50):F2}  p90 {Ms(90):F2}  p99 {Ms(99):F2}  p99.9 {Ms(99.9):F2}  max {histogram.GetMaxValue() * 1000.0 / Stopwatch.Frequency:F2}");
Console.WriteLine($"verdicts: match {verdicts[(int)Verdict.Match]}  mismatch {verdicts[(int)Verdict.Mismatch]}  not found {verdicts[(int)Verdict.NotFound]}");

static VerificationRequest Request(int n)
{
    // Cycle over the sample civil-affairs records, so every verdict class appears.
    var (id, name, status) = (n % 3) switch
    {
        0 => ("33100219850312001X", "张伟", "已婚"),
        1 => ("331002199007210029", "李娜", "已婚"),
        _ => ("331002200005050055", "林晓", "未婚"),
    };
    var request = new VerificationRequest
    {
        ItemCode = "JJ-MZ-001",
        Subject = new Subject { Kind = SubjectKind.Person, Id = id, Name = name },
        CaseNumber = "LOAD-" + n.ToString(CultureInfo.InvariantCulture),
        Purpose = "load test",
        Requester = new Requester { Department = "jj-load", Window = "w" + (n % 16).ToString(CultureInfo.InvariantCulture), Officer = "load-officer" },
    };
    request.Claims["name"] = name;
    request.Claims["marital_status"] = status;
    return request;
}
