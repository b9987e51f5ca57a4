using System.Diagnostics;
using HdrHistogram;

namespace NoCertHub.LoadTests;

/// <summary>One measured run: calls completed per second and the latency distribution.</summary>
internal sealed record Measurement(string Target, string Mode, string Loop, int Concurrency, double OfferedPerSecond, long Completed, long Failed, double Seconds, LongConcurrentHistogram Latency)
{
    public double PerSecond => Completed / Seconds;

    /// <summary>CPU the server process spent per completed call during the run, in µs (steadier than calls/s on a shared machine).</summary>
    public double ServerCpuUs { get; init; } = double.NaN;

    /// <summary>CPU the harness process (client, and the agents when it runs them) spent per completed call, in µs.</summary>
    public double HarnessCpuUs { get; init; } = double.NaN;

    /// <summary>Open loop: the slowest call due in each second of the run, in ms — shows whether latency is spread or comes in stalls.</summary>
    public IReadOnlyList<double> SlowestPerSecond { get; init; } = [];

    public double Ms(double percentile) => Latency.TotalCount == 0 ? double.NaN : Latency.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
}

/// <summary>Closed-loop (as fast as answers come) and open-loop (a fixed rate, whatever the answers do) drivers, bounded in time.</summary>
internal static class Load
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> FailureReasons = new(StringComparer.Ordinal);

    /// <summary>Why measured calls failed, with how many times, since the run began (the report lists them).</summary>
    public static IReadOnlyList<(string Reason, long Count)> Failures =>
        [.. FailureReasons.OrderByDescending(f => f.Value).Select(f => (f.Key, f.Value))];

    private static void Failed(Exception e)
    {
        var reason = e.GetType().Name + ": " + e.Message;
        FailureReasons.AddOrUpdate(reason.Length <= 200 ? reason : reason[..200] + "…", 1, static (_, n) => n + 1);
    }

    /// <summary><paramref name="concurrency"/> callers, each calling again as soon as its call returns, for <paramref name="duration"/> after a warm-up.</summary>
    public static async Task<Measurement> ClosedAsync(string target, string mode, int concurrency, TimeSpan warmUp, TimeSpan duration, Func<int, long, Task> call, Func<TimeSpan> serverCpu)
    {
        await RunAsync(concurrency, warmUp, call, histogram: null);
        var histogram = NewHistogram();
        var cpu = CpuMeter.Start(serverCpu);
        var (completed, failed, seconds) = await RunAsync(concurrency, duration, call, histogram);
        return cpu.Stop(new Measurement(target, mode, "closed", concurrency, double.NaN, completed, failed, seconds, histogram));
    }

    /// <summary>
    /// Calls started at a fixed rate; each call's latency runs from the moment it was due, so a
    /// stalled server shows as latency and is not hidden (no coordinated omission). At most
    /// <paramref name="maxInFlight"/> calls are outstanding; calls that would exceed it count as failed.
    /// The rate runs for <paramref name="warmUp"/> first, unmeasured, then for <paramref name="duration"/>
    /// measured, without a pause between: what is measured is the server settled at that rate, not
    /// its way out of whatever ran before (the closed loops saturate it just before).
    /// </summary>
    public static async Task<Measurement> OpenAsync(string target, string mode, double perSecond, TimeSpan warmUp, TimeSpan duration, int maxInFlight, Func<int, long, Task> call, Func<TimeSpan> serverCpu)
    {
        var histogram = NewHistogram();
        long completed = 0, failed = 0;
        var inFlight = 0;
        var calls = new List<Task>();
        var unmeasured = (long)(perSecond * warmUp.TotalSeconds);
        var total = unmeasured + (long)(perSecond * duration.TotalSeconds);
        var slowest = new long[(int)Math.Ceiling(duration.TotalSeconds) + 1];
        var start = Stopwatch.GetTimestamp();
        long Due(long i) => start + (long)(i * Stopwatch.Frequency / perSecond);
        var measuredFrom = Due(unmeasured);
        // Set by the driver when the first measured call falls due.
        var cpu = default(CpuMeter);
        var clock = new Stopwatch();

        async Task MeasureAsync(int n, long due, bool measured)
        {
            try
            {
                await call(n, due);
                if (measured)
                {
                    var latency = Math.Max(1, Stopwatch.GetTimestamp() - due);
                    histogram.RecordValue(latency);
                    ref var second = ref slowest[Math.Min(slowest.Length - 1, (due - measuredFrom) / Stopwatch.Frequency)];
                    for (var seen = Volatile.Read(ref second); latency > seen; seen = Volatile.Read(ref second))
                    {
                        Interlocked.CompareExchange(ref second, latency, seen);
                    }
                    Interlocked.Increment(ref completed);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (measured)
                {
                    Interlocked.Increment(ref failed);
                    Failed(e);
                }
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        // The calls are started by one thread of their own, which sleeps between them and starts
        // each due call itself (up to its first wait: a real client's send). Sleep, never spin: a
        // spinning driver takes a core from the server it measures (on two cores, half the
        // machine). A thread's sleep wakes ~1 ms later at worst, with no queue in between; calls
        // due meanwhile go out together on waking, and that lateness counts in their latency.
        // (Awaiting Task.Delay(1) on the thread pool, as before, woke 2-3 ms late under load and
        // put that under every call's latency: the bare echo server's p50 at 3,500 calls/s was 3 ms.)
        var driven = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var driver = new Thread(() =>
        {
            try
            {
                for (long i = 0; i < total; i++)
                {
                    var due = Due(i);
                    while (Stopwatch.GetTimestamp() < due)
                    {
                        Thread.Sleep(1);
                    }

                    var measured = i >= unmeasured;
                    if (i == unmeasured)
                    {
                        cpu = CpuMeter.Start(serverCpu);
                        clock.Start();
                    }

                    if (Interlocked.Increment(ref inFlight) > maxInFlight)
                    {
                        Interlocked.Decrement(ref inFlight);
                        if (measured)
                        {
                            Interlocked.Increment(ref failed);
                        }

                        continue;
                    }

                    calls.Add(MeasureAsync((int)i, due, measured));
                }

                driven.SetResult();
            }
            catch (Exception e)
            {
                driven.SetException(e);
            }
        })
        { IsBackground = true, Name = "open-loop driver" };
        driver.Start();
        await driven.Task;

        await Task.WhenAll(calls);
        return cpu.Stop(new Measurement(target, mode, "open", maxInFlight, perSecond, completed, failed, clock.Elapsed.TotalSeconds, histogram)
        {
            SlowestPerSecond = [.. slowest.Select(t => t * 1000.0 / Stopwatch.Frequency)],
        });
    }

    private static async Task<(long Completed, long Failed, double Seconds)> RunAsync(int concurrency, TimeSpan duration, Func<int, long, Task> call, LongConcurrentHistogram? histogram)
    {
        long completed = 0, failed = 0;
        var issued = 0;
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await call(worker, Interlocked.Increment(ref issued));
                    histogram?.RecordValue(Math.Max(1, Stopwatch.GetTimestamp() - started));
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref failed);
                    Failed(e);
                }
            }
        })));
        return (completed, failed, clock.Elapsed.TotalSeconds);
    }

    private static LongConcurrentHistogram NewHistogram() => new(1, TimeStamp.Minutes(5), 3);

    /// <summary>Processor time of the server and of this process across one run.</summary>
    private readonly record struct CpuMeter(Func<TimeSpan> Server, TimeSpan ServerStart, TimeSpan HarnessStart)
    {
        public static CpuMeter Start(Func<TimeSpan> server) => new(server, server(), Harness());

        public Measurement Stop(Measurement m) => m with
        {
            ServerCpuUs = m.Completed == 0 ? double.NaN : (Server() - ServerStart).TotalMicroseconds / m.Completed,
            HarnessCpuUs = m.Completed == 0 ? double.NaN : (Harness() - HarnessStart).TotalMicroseconds / m.Completed,
        };

        private static TimeSpan Harness()
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }
    }
}
