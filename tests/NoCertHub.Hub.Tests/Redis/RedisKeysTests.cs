using NoCertHub.Hub.Redis;
using Xunit;

namespace NoCertHub.Hub.Tests.Redis;

public class RedisKeysTests
{
    private readonly RedisKeys _keys = new("nocert", 16);

    [Fact]
    public void NewRequestId_CarriesItsShard_AndIsRecognised()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => RedisKeys.NewRequestId(i % 16)).ToList();

        Assert.All(ids, id => Assert.Matches("^r[0-9]{2}-[0-9a-hjkmnp-tv-z]{26}$", id));
        Assert.All(ids.Select((id, i) => (id, i)), x => Assert.True(_keys.TryShardOfRequest(x.id, out var shard) && shard == x.i % 16));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("r03-0192a1b2c3d4e5f60718293a4b5c6d7e")]
    [InlineData("r99-0123456789abcdefghjkmnpqrs")]
    [InlineData("r03-0123456789abcdefghjkmnpqri")]
    [InlineData("x03-0123456789abcdefghjkmnpqrs")]
    [InlineData("")]
    public void TryShardOfRequest_AnythingElse_IsNotARequestId(string candidate) =>
        Assert.False(_keys.TryShardOfRequest(candidate, out _));

    [Fact]
    public void NewRequestId_IsTimeOrdered_AcrossMilliseconds()
    {
        var first = RedisKeys.NewRequestId(0);
        Thread.Sleep(5);
        var second = RedisKeys.NewRequestId(0);

        Assert.True(string.CompareOrdinal(first, second) < 0, $"{first} should sort before {second}");
    }
}
