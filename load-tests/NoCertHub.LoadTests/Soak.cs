using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using NoCertHub.Sdk;

namespace NoCertHub.LoadTests;

/// <summary>
/// The soak (issue 23): Verify at a steady rate (half the hub's measured maximum) for a long
/// time, while Watch streams open and close (each window's stream reconnecting from its last
/// cursor after 5–30 s) and agent sessions come and go (a new agent every 20 s, the oldest
/// leaving); the hub's memory sampled from its own /metrics every 15 s. Prints the curve and
/// start, settled and end: a leak shows as an end above where the hub settled after warm-up.
/// </summary>
internal static class Soak
{
    private const int Watchers = 16;
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan AgentEvery = TimeSpan.FromSeconds(20);

    public static async Task<string> RunAsync(
        Uri hub, int metricsPort, double rate, TimeSpan length, int maxInFlight, Func<int, long, Task> verify, Func<TimeSpan> hubCpu,
        Func<string, Task<IAsyncDisposable>> startAgent, string department, int windows, string command)
    {
        using var http = new HttpClient();
        var samples = new ConcurrentQueue<Sample>();
        var clock = Stopwatch.StartNew();
        long watchSessions = 0, watchEvents = 0, agentsStarted = 0;
        var watchErrors = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        async Task SampleAsync()
        {
            var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}/metrics"));
            samples.Enqueue(new Sample(clock.Elapsed, Metric(text, "process_working_set_bytes"), Metric(text, "dotnet_total_memory_bytes"),
                Interlocked.Read(ref watchSessions), Interlocked.Read(ref agentsStarted)));
        }

        await SampleAsync();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Delay(SampleEvery, stop.Token);
                await SampleAsync();
                var s = samples.Last();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak {s.At.TotalMinutes,5:0.0} min: working set {s.WorkingSetMb:0} MB, managed heap {s.HeapMb:0} MB; Watch sessions {s.WatchSessions} ({watchErrors.Values.Sum()} failed), agents started {s.Agents}"));
            }
        }, CancellationToken.None);

        var agentChurn = Task.Run(async () =>
        {
            var live = new Queue<IAsyncDisposable>();
            try
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    await Delay(AgentEvery, stop.Token);
                    if (stop.IsCancellationRequested)
                    {
                        break;
                    }

                    live.Enqueue(await startAgent("soak" + n.ToString(CultureInfo.InvariantCulture)));
                    Interlocked.Increment(ref agentsStarted);
                    if (live.Count > 2)
                    {
                        await live.Dequeue().DisposeAsync();
                    }
                }
            }
            finally
            {
                while (live.TryDequeue(out var agent))
                {
                    await agent.DisposeAsync();
                }
            }
        }, CancellationToken.None);

        var cursors = new ConcurrentDictionary<int, string>();
        var watchChurn = Enumerable.Range(0, Watchers).Select(i => Task.Run(async () =>
        {
            using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = hub });
            var random = new Random(i);
            while (!stop.IsCancellationRequested)
            {
                var window = random.Next(windows);
                using var session = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                session.CancelAfter(TimeSpan.FromSeconds(5 + random.Next(25)));
                try
                {
                    await foreach (var change in client.WatchAsync(department, "w" + window.ToString(CultureInfo.InvariantCulture), cursors.GetValueOrDefault(window), session.Token))
                    {
                        cursors[window] = change.Cursor;
                        Interlocked.Increment(ref watchEvents);
                    }
                }
                catch (OperationCanceledException)
                {
                    // The session's time is up: the window closes its stream, and opens another later.
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A refused or broken stream is counted and reported; the window opens another.
                    var why = e.GetType().Name + ": " + e.Message;
                    watchErrors.AddOrUpdate(why.Length > 160 ? why[..160] : why, 1, (_, n) => n + 1);
                    await Delay(TimeSpan.FromSeconds(1), stop.Token);
                }

                Interlocked.Increment(ref watchSessions);
            }
        }, CancellationToken.None)).ToList();

        var load = await Load.OpenAsync("hub", "Verify (soak)", rate, TimeSpan.Zero, length, maxInFlight, verify, hubCpu);
        await stop.CancelAsync();
        await Task.WhenAll([sampler, agentChurn, .. watchChurn]);
        await SampleAsync();
        return Report(samples.ToList(), load, rate, length, Interlocked.Read(ref watchSessions), Interlocked.Read(ref watchEvents), Interlocked.Read(ref agentsStarted), watchErrors, command);
    }

    private static string Report(
        List<Sample> samples, Measurement load, double rate, TimeSpan length, long sessions, long events, long agents, IDictionary<string, int> watchErrors, string command)
    {
        // Settled: the samples of the run's second fifth (warm-up, JIT and the stores' caches filling
        // are behind it); end: its last fifth.
        Sample[] Between(double from, double to) => [.. samples.Where(s => s.At >= length * from && s.At <= length * to)];
        var settled = Between(0.2, 0.4);
        var end = Between(0.8, 1.01);
        double Mean(Sample[] s, Func<Sample, double> f) => s.Length == 0 ? double.NaN : s.Average(f);
        var (settledWs, endWs) = (Mean(settled, s => s.WorkingSetMb), Mean(end, s => s.WorkingSetMb));
        var (settledHeap, endHeap) = (Mean(settled, s => s.HeapMb), Mean(end, s => s.HeapMb));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Soak: `{command}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Verify at {rate:0}/s offered for {length.TotalMinutes:0} min: {load.Completed:N0} answered ({load.PerSecond:0}/s), {load.Failed:N0} failed, p99 {load.Ms(99):0.0} ms; " +
            $"{sessions:N0} Watch sessions opened and closed ({events:N0} events), {agents} agents connected and {Math.Max(0, agents - 2)} left.");
        foreach (var (why, count) in watchErrors.OrderByDescending(e => e.Value))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- Watch sessions that failed ×{count}: {why}");
        }

        text.AppendLine();
        text.AppendLine("| hub memory | start | settled (2nd fifth) | end (last fifth) | end − settled |");
        text.AppendLine("|---|---|---|---|---|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| working set, MB | {samples[0].WorkingSetMb:0} | {settledWs:0} | {endWs:0} | {endWs - settledWs:+0;-0;0} ({(endWs - settledWs) / settledWs:+0.0%;-0.0%;0%}) |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| managed heap, MB | {samples[0].HeapMb:0} | {settledHeap:0} | {endHeap:0} | {endHeap - settledHeap:+0;-0;0} ({(endHeap - settledHeap) / settledHeap:+0.0%;-0.0%;0%}) |");
        text.AppendLine();
        text.AppendLine("The curve, one sample a minute (working set / managed heap, MB):");
        text.AppendLine();
        text.AppendLine(string.Join(", ", samples.GroupBy(s => (int)s.At.TotalMinutes).Select(g => g.First())
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.At.TotalMinutes:0}′ {s.WorkingSetMb:0}/{s.HeapMb:0}"))));
        return text.ToString();
    }

    private static double Metric(string text, string name)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private sealed record Sample(TimeSpan At, double WorkingSetBytes, double HeapBytes, long WatchSessions, long Agents)
    {
        public double WorkingSetMb => WorkingSetBytes / 1048576;

        public double HeapMb => HeapBytes / 1048576;
    }
}
