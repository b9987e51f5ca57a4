using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Tests.Requests;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Hub.Tests.Redis;

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public class GroupCommitBarrierTests(GarnetFixture garnet) : IClassFixture<GarnetFixture>
{
    [Fact]
    public async Task CommitAsync_ManyConcurrentCallers_AllReturnOnceTheirWritesAreCommitted()
    {
        var barrier = garnet.Durability;
        var db = garnet.Redis.GetDatabase();

        var callers = Enumerable.Range(0, 200).Select(async i =>
        {
            await db.StringSetAsync("barrier-" + i, i);
            await barrier.CommitAsync(CancellationToken.None);
        });
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(199, (int)await db.StringGetAsync("barrier-199"));
    }
}

public class GroupCommitBarrierFailureTests
{
    [Fact]
    public async Task CommitAsync_CommitFails_FailsEveryWaiter_InsteadOfPretendingDurability()
    {
        var gate = new TaskCompletionSource();
        var barrier = new GroupCommitBarrier(async _ =>
        {
            await gate.Task;
            throw new IOException("disk full");
        });

        var waiters = Enumerable.Range(0, 5).Select(_ => barrier.CommitAsync(CancellationToken.None)).ToList();
        gate.SetResult();

        foreach (var waiter in waiters)
        {
            await Assert.ThrowsAsync<IOException>(() => waiter.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
