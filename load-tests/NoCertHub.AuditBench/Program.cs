using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using HdrHistogram;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;

// The Article 17 trail's costs on this machine, through the hub's own audit writer and store:
// records per second with durable group commits (SQLite, WAL), the latency a caller waits for
// its record, checkpoint signing, and how fast the verifier checks the chain. Bounded in count
// and time; asserts nothing.
//   dotnet run -c Release --project load-tests/NoCertHub.AuditBench -- [records] [concurrent writers]
var total = int.Parse(args.ElementAtOrDefault(0) ?? "500000", CultureInfo.InvariantCulture);
var writers = int.Parse(args.ElementAtOrDefault(1) ?? "256", CultureInfo.InvariantCulture);
using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(15));

var directory = Directory.CreateTempSubdirectory("nocert-auditbench-").FullName;
try
{
    var options = Options.Create(new AuditOptions
    {
        ConnectionString = $"Data Source={Path.Combine(directory, "audit.db")}",
        SubjectKeyPath = Path.Combine(directory, "keys", "subject.key"),
        SigningKeyPath = Path.Combine(directory, "keys", "signing.pem"),
        CheckpointDirectory = Path.Combine(directory, "checkpoints"),
    });
    using var keys = new AuditKeys(options);
    var chain = new AuditChain(keys.SubjectKey);
    var database = new AuditDatabase(new SqliteAuditDialect(), options.Value.ConnectionString);
    var store = new AuditChainStore(database, chain);
    var writer = new AuditWriter(store, options, NullLogger<AuditWriter>.Instance);
    await writer.StartAsync(stop.Token);

    var latency = new LongConcurrentHistogram(1, TimeStamp.Minutes(1), 3);
    var issued = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
    {
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref issued);
            if (n > total)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            await writer.WriteAsync(Record(n), stop.Token);
            latency.RecordValue(Stopwatch.GetTimestamp() - started);
        }
    }));
    clock.Stop();
    await writer.StopAsync(CancellationToken.None);

    // The search index is fed in the background in a hub; here it catches up afterwards, timed on its own.
    var indexing = Stopwatch.StartNew();
    await new AuditSearchIndex(database).IndexPendingAsync(stop.Token);
    indexing.Stop();

    var signing = Stopwatch.StartNew();
    var checkpoint = await new AuditCheckpoints(store, keys, options, Options.Create(new HubOptions { InstanceId = "bench" }), TimeProvider.System).ExportNextAsync(stop.Token);
    signing.Stop();

    using var publicKey = ECDsa.Create();
    publicKey.ImportFromPem(keys.PublicKeyPem);
    var verifying = Stopwatch.StartNew();
    var verification = await new AuditVerifier(store, chain).VerifyAsync(options.Value.CheckpointDirectory, publicKey, stop.Token);
    verifying.Stop();

    // The hashing alone, as the verifier does it: pages of encoded records, leaves on every core, the chain through them on one.
    var hashing = Stopwatch.StartNew();
    var leafChain = AuditChain.Genesis.ToArray();
    var page = new AuditLeafPage();
    for (var from = 1; from <= total; from += 32_768)
    {
        page.Clear();
        for (var i = from; i < from + 32_768 && i <= total; i++)
        {
            page.Add(i, Record(i));
        }

        page.ComputeLeaves(chain, allCores: true);
        for (var i = 0; i < page.Count; i++)
        {
            AuditChain.Chain(leafChain, page.Leaf(i), leafChain);
        }
    }

    hashing.Stop();

    double Ms(double percentile) => latency.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
    Console.WriteLine($"# {total:N0} records, {writers} concurrent writers, SQLite WAL synchronous=NORMAL, MaxBatch {options.Value.MaxBatch}");
    Console.WriteLine($"write:       {total / clock.Elapsed.TotalSeconds:N0} records/s ({clock.Elapsed.TotalSeconds:F1} s), each durable and chained before its caller continues");
    Console.WriteLine($"wait (ms):   p50 {Ms(50):F2}  p90 {Ms(90):F2}  p99 {Ms(99):F2}  max {latency.GetMaxValue() * 1000.0 / Stopwatch.Frequency:F2}");
    Console.WriteLine($"index:       search index fed from the chained table at {total / indexing.Elapsed.TotalSeconds:N0} records/s ({indexing.Elapsed.TotalSeconds:F1} s), off the answer path");
    Console.WriteLine($"checkpoint:  records {checkpoint?.From}..{checkpoint?.To} read, re-chained, Merkle root and signature in {signing.Elapsed.TotalSeconds:F1} s ({total / signing.Elapsed.TotalSeconds:N0} records/s)");
    Console.WriteLine($"verify:      {verification.Records:N0} records, {(verification.Intact ? "intact" : "NOT intact")}, in {verifying.Elapsed.TotalSeconds:F1} s ({verification.Records / verifying.Elapsed.TotalSeconds:N0} records/s)");
    Console.WriteLine($"hashing:     canonical encoding from records, subject HMAC and leaf (both cores), chain (one): {total / hashing.Elapsed.TotalSeconds:N0} records/s");
    Console.WriteLine($"database:    {new FileInfo(Path.Combine(directory, "audit.db")).Length / 1048576.0:N0} MiB");
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(directory, recursive: true);
}

static AuditRecord Record(int n) => new()
{
    RecordedAt = DateTimeOffset.UtcNow,
    Kind = AuditKind.Answered,
    RequestId = "r07-06h25ndrksr658s63wg" + n.ToString("D7", CultureInfo.InvariantCulture),
    ItemCode = "JJ-MZ-001",
    SubjectKind = "Person",
    SubjectId = "33100219850312001X",
    CaseNumber = "JJ-2026-" + n.ToString("D8", CultureInfo.InvariantCulture),
    Purpose = "企业开办登记：核验婚姻状况",
    RequesterDepartment = "jj-market-window",
    Window = "window-" + (n % 200).ToString(CultureInfo.InvariantCulture),
    Officer = "officer-" + (n % 50).ToString(CultureInfo.InvariantCulture),
    Verdict = "Match",
    DisclosedFields = "marital_status",
    AnsweringDepartment = "jj-civil-affairs",
    AnsweringAgent = "civil-affairs-01",
    HubInstance = "bench",
};
