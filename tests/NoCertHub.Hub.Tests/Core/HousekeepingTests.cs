using NoCertHub.Hub.Core;
using Xunit;

namespace NoCertHub.Hub.Tests.Core;

public class HousekeepingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Work_AndEveryContinuationOfIt_RunOnOneThreadOutsideTheThreadPool()
    {
        var seen = new List<(int Thread, bool Pool, string? Name)>();
        void Note() => seen.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));

        await Housekeeping.RunAsync("test housekeeping", async () =>
        {
            Note();
            await Task.Delay(20);
            Note();
            await Task.Yield();
            Note();
            // A timer-completed wait and a pool-completed one both come back to the same thread.
            await Task.Run(() => Thread.Sleep(10));
            Note();
        }).WaitAsync(Patience);

        Assert.Equal(4, seen.Count);
        Assert.Single(seen.Select(s => s.Thread).Distinct());
        Assert.All(seen, s => Assert.False(s.Pool));
        Assert.All(seen, s => Assert.Equal("test housekeeping", s.Name));
    }

    [Fact]
    public async Task AFailure_ReachesTheCaller()
    {
        var failing = Housekeeping.RunAsync("failing housekeeping", async () =>
        {
            await Task.Delay(10);
            throw new InvalidDataException("chain broken at 42");
        });

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => failing.WaitAsync(Patience));
        Assert.Equal("chain broken at 42", e.Message);
    }

    [Fact]
    public async Task ACancelledRun_IsCancelledForTheCaller()
    {
        using var cancel = new CancellationTokenSource();
        var run = Housekeeping.RunAsync("cancelled housekeeping", async () => await Task.Delay(Timeout.Infinite, cancel.Token));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Patience));
    }
}
