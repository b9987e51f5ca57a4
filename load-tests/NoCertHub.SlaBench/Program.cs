using System.Diagnostics;
using System.Globalization;
using HdrHistogram;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Sla;
using NoCertHub.Hub.Storage;
using NoCertHub.LoadTests.Shared;
using NoCertHub.Testing;
using NoCertHub.V1;
using Prometheus;
using StackExchange.Redis;

// Article 11 timers at scale: loads N pending requests through the hub's own request store, makes
// 10,000 of them fall due at one instant, and lets the hub's own sweeper find them. Prints Redis
// memory per pending request, load time, detection lag and escalations per second. Bounded in
// count and time; asserts nothing.
//   dotnet run -c Release --project load-tests/NoCertHub.SlaBench -- <garnet|redis-server> [pending] [due] [commit-wait true|false]
var engine = args.ElementAtOrDefault(0) ?? "redis-server";
var pending = int.Parse(args.ElementAtOrDefault(1) ?? "1000000", CultureInfo.InvariantCulture);
var dueCount = int.Parse(args.ElementAtOrDefault(2) ?? "10000", CultureInfo.InvariantCulture);
var commitWait = bool.Parse(args.ElementAtOrDefault(3) ?? "true");
var limit = TimeSpan.FromMinutes(20);
using var stop = new CancellationTokenSource(limit);

var directory = Directory.CreateTempSubdirectory("nocert-slabench-").FullName;
RedisServerProcess? redisServer = null;
EmbeddedRedisServer? garnet = null;
string connectionString;
if (engine == "garnet")
{
    garnet = new EmbeddedRedisServer(
        Options.Create(new RedisOptions { Embedded = { DataDirectory = directory } }),
        Options.Create(new StorageOptions()),
        NullLogger<EmbeddedRedisServer>.Instance);
    connectionString = garnet.ConnectionString;
}
else
{
    redisServer = await RedisServerProcess.StartAsync();
    connectionString = redisServer.ConnectionString;
}

try
{
    using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString + ",syncTimeout=30000,asyncTimeout=30000,allowAdmin=true");
    var keys = new RedisKeys("bench", 16);
    var hubOptions = Options.Create(new HubOptions { InstanceId = "bench" });
    var sla = Options.Create(new SlaOptions());
    var incarnation = new HubIncarnation(hubOptions);
    ICommitBarrier durability = garnet is not null && commitWait ? new GroupCommitBarrier(garnet.CommitAsync) : new ServerConfiguredDurability();
    await using var scripts = new ScriptPipeline(redis, durability);
    var store = new RedisRequestStore(redis, keys, Options.Create(new RedisOptions()), sla, incarnation, scripts);
    var dispatcher = new Dispatcher(store, TimeProvider.System);
    var slaStore = new RedisSlaStore(redis, keys, sla, durability);
    var relay = new ReminderRelay(redis, keys, dispatcher, NullLogger<ReminderRelay>.Instance);
    var sweeper = new OverdueSweeper(slaStore, keys, relay, new SlaMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())), TimeProvider.System, sla, hubOptions, NullLogger<OverdueSweeper>.Instance);
    var policy = new DeadlinePolicy(sla, NullLogger<DeadlinePolicy>.Instance);
    var server = redis.GetServer(redis.GetEndPoints()[0]);

    var before = await MemoryAsync(server);
    var now = DateTimeOffset.UtcNow;
    var clock = Stopwatch.StartNew();
    // The bulk falls due over the next day, spread by the second, with reminders pending too.
await LoadAsync(pending - dueCount, n => (now, now.AddDays(1).AddSeconds(n % 86_400), true));
    var loadSeconds = clock.Elapsed.TotalSeconds;
    var after = await MemoryAsync(server);

    // The sweeper runs as in a hub: it sleeps until the next deadline, and is woken when an earlier one is accepted.
    await sweeper.StartAsync(stop.Token);
    // Due only once all of them are on record (twice the time the bulk load rate says loading takes), so the lag is the sweeper's alone.
    var dueAt = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(Math.Max(5, 2.0 * dueCount / ((pending - dueCount) / loadSeconds)));
    var dueLoad = Stopwatch.StartNew();
    // Accepted half an hour ago (their reminders long sent), all due at the same millisecond.
    await LoadAsync(dueCount, _ => (dueAt.AddMinutes(-30), dueAt, false));
    sweeper.Notify(dueAt);
    if (DateTimeOffset.UtcNow >= dueAt)
    {
        Console.WriteLine("# WARNING: loading the due requests overran their deadline; the lag below includes loading");
    }

    Console.WriteLine($"# {dueCount:N0} more requests, all due at {dueAt:HH:mm:ss.fff}, loaded in {dueLoad.Elapsed.TotalSeconds:F1} s");
    var waitUntil = DateTime.UtcNow + TimeSpan.FromMinutes(5);
    IReadOnlyList<Escalation> escalations;
    while ((escalations = await slaStore.ListEscalationsAsync(false, DateTimeOffset.UtcNow, stop.Token)).Count < dueCount && DateTime.UtcNow < waitUntil)
    {
        await Task.Delay(500, stop.Token);
    }

    await sweeper.StopAsync(CancellationToken.None);

    var lag = new LongHistogram(TimeStamp.Minutes(10), 3);
    foreach (var e in escalations)
    {
        lag.RecordValue(Math.Max(0, (long)((e.EscalatedAt.ToDateTimeOffset() - e.Deadline.ToDateTimeOffset()).TotalMilliseconds * 1000)));
    }

    var first = escalations.Min(e => e.EscalatedAt.ToDateTimeOffset());
    var last = escalations.Max(e => e.EscalatedAt.ToDateTimeOffset());
    var span = Math.Max(0.001, (last - first).TotalSeconds);
    Console.WriteLine($"# engine={engine}{(engine == "garnet" ? $" commit-wait={commitWait}" : "")} pending={pending:N0} due-at-once={dueCount:N0}");
    Console.WriteLine($"load:        {pending - dueCount:N0} requests in {loadSeconds:F1} s ({(pending - dueCount) / loadSeconds:N0}/s, through RedisRequestStore.AcceptAsync, 512 in flight)");
    Console.WriteLine($"memory:      {after.Describe(before, pending - dueCount)}");
    Console.WriteLine($"escalated:   {escalations.Count:N0} of {dueCount:N0}");
    Console.WriteLine($"lag (ms):    p50 {lag.GetValueAtPercentile(50) / 1000.0:F0}  p90 {lag.GetValueAtPercentile(90) / 1000.0:F0}  p99 {lag.GetValueAtPercentile(99) / 1000.0:F0}  max {lag.GetMaxValue() / 1000.0:F0}");
    Console.WriteLine($"rate:        {escalations.Count / span:N0} escalations/s (first to last escalation {span:F2} s)");

    async Task LoadAsync(int count, Func<int, (DateTimeOffset Accepted, DateTimeOffset Deadline, bool Remind)> times)
    {
        using var gate = new SemaphoreSlim(512);
        var tasks = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            await gate.WaitAsync(stop.Token);
            var accepted = Request(i, times(i));
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await store.AcceptAsync(accepted, null, stop.Token);
                }
                finally
                {
                    gate.Release();
                }
            }));
            if (tasks.Count >= 50_000)
            {
                await Task.WhenAll(tasks);
                tasks.Clear();
            }
        }

        await Task.WhenAll(tasks);
    }

    AcceptedRequest Request(int n, (DateTimeOffset Accepted, DateTimeOffset Deadline, bool Remind) times) =>
        BenchRequests.Marriage(keys, n, times.Accepted, times.Deadline, times.Remind ? policy.ReminderFor(times.Accepted, times.Deadline) : null);
}
finally
{
    garnet?.Dispose();
    if (redisServer is not null)
    {
        await redisServer.DisposeAsync();
    }

    Directory.Delete(directory, recursive: true);
}

static async Task<MemorySample> MemoryAsync(IServer server)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var info = (await server.InfoAsync()).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
    long Field(string name) => info.TryGetValue(name, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
    return new MemorySample(Field("used_memory"), Field("store_mainlog_memory_size") + Field("Log.CurrentHeapSizeBytes"), GC.GetTotalMemory(forceFullCollection: true));
}

internal sealed record MemorySample(long RedisUsedMemory, long GarnetStore, long ProcessManagedHeap)
{
    public string Describe(MemorySample before, int count)
    {
        if (RedisUsedMemory > 0)
        {
            return $"redis used_memory +{(RedisUsedMemory - before.RedisUsedMemory) / 1048576.0:N0} MiB = {(RedisUsedMemory - before.RedisUsedMemory) / (double)count:N0} bytes per pending request";
        }

        // Garnet runs in this process: its objects are on this managed heap, its log in native pages.
        return $"garnet main log + object heap +{(GarnetStore - before.GarnetStore) / 1048576.0:N0} MiB = {(GarnetStore - before.GarnetStore) / (double)count:N0} bytes per pending request; "
            + $"process managed heap +{(ProcessManagedHeap - before.ProcessManagedHeap) / 1048576.0:N0} MiB = {(ProcessManagedHeap - before.ProcessManagedHeap) / (double)count:N0} bytes per request";
    }
}
