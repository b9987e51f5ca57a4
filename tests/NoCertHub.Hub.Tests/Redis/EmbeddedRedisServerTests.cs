using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Storage;
using StackExchange.Redis;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Hub.Tests.Redis;

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class EmbeddedRedisServerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-garnet-tier-").FullName;

    [Fact]
    public async Task RecordsBeyondTheMemoryBudget_StayReadable_AndSurviveARestart()
    {
        // ~150 MB of requests (a hash and a string each, as the hub keeps them) into a 64 MB log.
        const int Requests = 200_000;
        var options = Options.Create(new RedisOptions { Embedded = { DataDirectory = _directory, Memory = "64m", Index = "16m" } });
        using (var server = new EmbeddedRedisServer(options, Options.Create(new StorageOptions()), NullLogger<EmbeddedRedisServer>.Instance))
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
            var db = redis.GetDatabase();
            var pending = new List<Task>();
            for (var i = 0; i < Requests; i++)
            {
                pending.Add(db.HashSetAsync($"req:{i}", [new HashEntry("state", "queued"), new HashEntry("officer", $"officer-{i}"), new HashEntry("result", new string('r', 300))]));
                pending.Add(db.StringSetAsync($"body:{i}", new string('b', 300)));
                if (pending.Count >= 2000)
                {
                    await Task.WhenAll(pending);
                    pending.Clear();
                }
            }

            await Task.WhenAll(pending);
            await server.CommitAsync(CancellationToken.None);
            Assert.Equal([], await MissingAsync(db, Requests));
        }

        using (var restarted = new EmbeddedRedisServer(options, Options.Create(new StorageOptions()), NullLogger<EmbeddedRedisServer>.Instance))
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(restarted.ConnectionString);
            Assert.Equal([], await MissingAsync(redis.GetDatabase(), Requests));
        }
    }

    // Every 97th request, the oldest first: those are the ones a cache would have dropped.
    private static async Task<List<int>> MissingAsync(IDatabase db, int requests)
    {
        var missing = new List<int>();
        for (var i = 0; i < requests; i += 97)
        {
            var officer = (string?)await db.HashGetAsync($"req:{i}", "officer");
            var body = await db.StringGetAsync($"body:{i}");
            if (officer != $"officer-{i}" || body.IsNull || ((string)body!).Length != 300)
            {
                missing.Add(i);
            }
        }

        return missing;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
