using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Tests.Requests;
using StackExchange.Redis;
using Xunit;

namespace NoCertHub.Hub.Tests.Redis;

public class AofCommitBarrierTests(GarnetFixture garnet) : IClassFixture<GarnetFixture>
{
    [Fact]
    public async Task CommitAsync_ManyConcurrentCallers_AllReturnOnceTheirWritesAreCommitted()
    {
        var barrier = new AofCommitBarrier(garnet.Redis);
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

public class AofCommitBarrierOnRedisServerTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task CommitAsync_ServerWithoutCommitAof_FailsEveryWaiter_InsteadOfPretendingDurability()
    {
        var barrier = new AofCommitBarrier(redis.Redis);

        var waiters = Enumerable.Range(0, 5).Select(_ => barrier.CommitAsync(CancellationToken.None)).ToList();

        foreach (var waiter in waiters)
        {
            await Assert.ThrowsAsync<RedisServerException>(() => waiter.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
