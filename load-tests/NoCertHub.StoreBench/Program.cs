using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Storage;
using NoCertHub.LoadTests.Shared;
using NoCertHub.V1;
using StackExchange.Redis;

// The embedded store's disk and recovery (issue 23): N requests accepted and answered through the
// hub's own request store on the embedded Garnet (durable, group-committed, as in the hub), the
// data folder's size printed as it grows, then the server stopped and started again on the same
// folder, timing its recovery and checking the last request is still there. Run once with
// checkpoints and compaction off, once with them on, to compare. Bounded; asserts nothing.
//   dotnet run -c Release --project load-tests/NoCertHub.StoreBench -- [requests, 1000000] [checkpoint seconds, 0 = off] [compaction segments, 0 = off] [answered retention seconds, 2592000]
var count = int.Parse(args.ElementAtOrDefault(0) ?? "1000000", CultureInfo.InvariantCulture);
var checkpoint = TimeSpan.FromSeconds(int.Parse(args.ElementAtOrDefault(1) ?? "0", CultureInfo.InvariantCulture));
var segments = int.Parse(args.ElementAtOrDefault(2) ?? "0", CultureInfo.InvariantCulture);
var retention = TimeSpan.FromSeconds(int.Parse(args.ElementAtOrDefault(3) ?? "2592000", CultureInfo.InvariantCulture));
using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(30));

var directory = Directory.CreateTempSubdirectory("nocert-storebench-").FullName;
var options = new RedisOptions { AnsweredRetention = retention, Embedded = { DataDirectory = directory, CheckpointInterval = checkpoint, CompactionSegments = segments } };
Console.WriteLine($"# {count:N0} requests, checkpoint every {(checkpoint > TimeSpan.Zero ? checkpoint.ToString() : "never")}, compaction after {(segments > 0 ? segments.ToString(CultureInfo.InvariantCulture) + " segments" : "never")}, answered retention {retention}");
var garnet = Start();
string last = "";
try
{
    var clock = Stopwatch.StartNew();
    using (var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString + ",syncTimeout=30000,asyncTimeout=30000"))
    {
        var keys = new RedisKeys("bench", 16);
        var sla = Options.Create(new SlaOptions());
        await using var scripts = new ScriptPipeline(redis, new GroupCommitBarrier(garnet.CommitAsync));
        var store = new RedisRequestStore(redis, keys, Options.Create(options), sla, new HubIncarnation(Options.Create(new HubOptions { InstanceId = "bench" })), scripts);
        using var gate = new SemaphoreSlim(256);
        var tasks = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            await gate.WaitAsync(stop.Token);
            var n = i;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    var (accepted, window) = Request(keys, n);
                    await store.AcceptAsync(accepted, null, stop.Token);
                    await store.CompleteAsync(window, Answer(accepted), null, stop.Token);
                    last = accepted.RequestId;
                }
                finally
                {
                    gate.Release();
                }
            }));
            if ((i + 1) % 100_000 == 0)
            {
                await Task.WhenAll(tasks);
                tasks.Clear();
                Console.WriteLine($"{i + 1,9:N0} requests  {clock.Elapsed.TotalSeconds,6:F0} s  data folder {Size(directory) / 1048576.0,8:N0} MiB");
            }
        }

        await Task.WhenAll(tasks);
    }

    var loaded = clock.Elapsed;
    if (checkpoint > TimeSpan.Zero)
    {
        // Let the next scheduled checkpoint (and its truncation) happen, as it would in a hub that runs on.
        await Task.Delay(checkpoint + TimeSpan.FromSeconds(5), stop.Token);
    }

    var size = Size(directory);
    garnet.Dispose();
    var restart = Stopwatch.StartNew();
    garnet = Start();
    using var again = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
    var found = await again.GetDatabase().KeyExistsAsync(new RedisKeys("bench", 16).Request(new RedisKeys("bench", 16).TryShardOfRequest(last, out var shard) ? shard : 0, last));
    var recovery = restart.Elapsed;
    Console.WriteLine($"loaded:   {count:N0} requests accepted and answered in {loaded.TotalSeconds:F0} s ({count / loaded.TotalSeconds:N0}/s)");
    Console.WriteLine($"disk:     {size / 1048576.0:N0} MiB in the data folder = {size / (double)count:N0} bytes per request ({Breakdown(directory)})");
    foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Where(f => f.Length > 1048576).OrderBy(f => f.FullName))
    {
        Console.WriteLine($"          {Path.GetRelativePath(directory, file.FullName)} {file.Length / 1048576.0:N0} MiB");
    }

    Console.WriteLine($"recovery: {recovery.TotalSeconds:F1} s to start again on the folder; the last request {(found ? "is there" : "IS MISSING")}");
}
finally
{
    garnet.Dispose();
    Directory.Delete(directory, recursive: true);
}

EmbeddedRedisServer Start() => new(Options.Create(options), Options.Create(new StorageOptions()), NullLogger<EmbeddedRedisServer>.Instance);

static long Size(string directory) => new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

static string Breakdown(string directory) => string.Join(", ", new DirectoryInfo(directory).EnumerateDirectories()
    .Select(d => $"{d.Name} {Size(d.FullName) / 1048576.0:N0} MiB"));

static (AcceptedRequest Request, string Window) Request(RedisKeys keys, int n)
{
    var now = DateTimeOffset.UtcNow;
    var accepted = BenchRequests.Marriage(keys, n, now, now.AddMinutes(30));
    return (accepted, accepted.WindowId);
}

static VerificationResult Answer(AcceptedRequest accepted)
{
    var result = new VerificationResult
    {
        RequestId = accepted.RequestId,
        ItemCode = accepted.Request.ItemCode,
        CaseNumber = accepted.Request.CaseNumber,
        Verdict = Verdict.Match,
        AnsweredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        AcceptedAt = accepted.Receipt.AcceptedAt,
        AnsweringDepartment = "jj-civil-affairs",
    };
    result.Fields.Add(new FieldVerdict { Field = "marital_status", Verdict = FieldVerdictKind.Match });
    result.Fields.Add(new FieldVerdict { Field = "name", Verdict = FieldVerdictKind.Match });
    return result;
}
