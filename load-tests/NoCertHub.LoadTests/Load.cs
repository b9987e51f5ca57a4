using System.Diagnostics;
using HdrHistogram;

namespace NoCertHub.LoadTests;

/// <summary>One measured run: calls completed per second and the latency distribution.</summary>
internal sealed record Measurement(string Target, string Mode, string Loop, int Concurrency, double OfferedPerSecond, long Completed, long Failed, double Seconds, LongConcurrentHistogram Latency)
{
    public double PerSecond => Completed / Seconds;

    public double Ms(double percentile) => Latency.TotalCount == 0 ? double.NaN : Latency.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
}

/// <summary>Closed-loop (as fast as answers come) and open-loop (a fixed rate, whatever the answers do) drivers, bounded in time.</summary>
internal static class Load
{
    /// <summary><paramref name="concurrency"/> callers, each calling again as soon as its call returns, for <paramref name="duration"/> after a warm-up.</summary>
    public static async Task<Measurement> ClosedAsync(string target, string mode, int concurrency, TimeSpan warmUp, TimeSpan duration, Func<int, long, Task> call)
    {
        await RunAsync(concurrency, warmUp, call, histogram: null);
        var histogram = NewHistogram();
        var (completed, failed, seconds) = await RunAsync(concurrency, duration, call, histogram);
        return new Measurement(target, mode, "closed", concurrency, double.NaN, completed, failed, seconds, histogram);
    }

    /// <summary>
    /// Calls started at a fixed rate; each call's latency runs from the moment it was due, so a
    /// stalled server shows as latency and is not hidden (no coordinated omission). At most
    /// <paramref name="maxInFlight"/> calls are outstanding; calls that would exceed it count as failed.
    /// </summary>
    public static async Task<Measurement> OpenAsync(string target, string mode, double perSecond, TimeSpan duration, int maxInFlight, Func<int, long, Task> call)
    {
        var histogram = NewHistogram();
        long completed = 0, failed = 0;
        var inFlight = 0;
        var calls = new List<Task>();
        var clock = Stopwatch.StartNew();
        var total = (long)(perSecond * duration.TotalSeconds);
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; i < total; i++)
        {
            var due = start + (long)(i * Stopwatch.Frequency / perSecond);
            while (Stopwatch.GetTimestamp() < due)
            {
                var wait = (due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                if (wait > 1)
                {
                    await Task.Delay((int)wait - 1);
                }
                else
                {
                    Thread.SpinWait(50);
                }
            }

            if (Interlocked.Increment(ref inFlight) > maxInFlight)
            {
                Interlocked.Decrement(ref inFlight);
                Interlocked.Increment(ref failed);
                continue;
            }

            var n = (int)i;
            calls.Add(Task.Run(async () =>
            {
                try
                {
                    await call(n, due);
                    histogram.RecordValue(Math.Max(1, Stopwatch.GetTimestamp() - due));
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref failed);
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            }));
        }

        await Task.WhenAll(calls);
        return new Measurement(target, mode, "open", maxInFlight, perSecond, completed, failed, clock.Elapsed.TotalSeconds, histogram);
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
                }
            }
        })));
        return (completed, failed, clock.Elapsed.TotalSeconds);
    }

    private static LongConcurrentHistogram NewHistogram() => new(1, TimeStamp.Minutes(5), 3);
}
