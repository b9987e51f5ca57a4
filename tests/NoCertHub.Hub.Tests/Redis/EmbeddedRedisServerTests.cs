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
            await WriteAsync(db, Requests);
            await server.CommitAsync(CancellationToken.None);
            Assert.Equal([], await MissingAsync(db, Requests));
        }

        using (var restarted = new EmbeddedRedisServer(options, Options.Create(new StorageOptions()), NullLogger<EmbeddedRedisServer>.Instance))
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(restarted.ConnectionString);
            Assert.Equal([], await MissingAsync(redis.GetDatabase(), Requests));
        }
    }

    [Fact]
    public async Task Checkpoints_TruncateTheAppendOnlyFile_AndARestartRecoversFromCheckpointAndTail()
    {
        // ~150 MB of writes: more than two of the append-only file's 64 MB segments.
        const int Requests = 200_000;
        var options = Options.Create(new RedisOptions { Embedded = { DataDirectory = _directory, Memory = "64m", Index = "16m", CheckpointInterval = TimeSpan.FromSeconds(2) } });
        var crash = Options.Create(new StorageOptions { Durability = DurabilityPromise.ProcessCrash });
        long aofAfter;
        using (var server = new EmbeddedRedisServer(options, crash, NullLogger<EmbeddedRedisServer>.Instance))
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
            var db = redis.GetDatabase();
            await WriteAsync(db, Requests);
            await server.CommitAsync(CancellationToken.None);
            // The scheduled checkpoints drop the segments they cover: of ~150 MB written, less
            // than one 64 MB segment stays.
            var until = DateTime.UtcNow.AddSeconds(30);
            while ((aofAfter = Bytes("AOF")) >= 64 << 20 && DateTime.UtcNow < until)
            {
                await Task.Delay(200);
            }

            await db.StringSetAsync("after-checkpoint", "in the tail");
            await server.CommitAsync(CancellationToken.None);
        }

        using (var restarted = new EmbeddedRedisServer(options, crash, NullLogger<EmbeddedRedisServer>.Instance))
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(restarted.ConnectionString);
            Assert.Equal([], await MissingAsync(redis.GetDatabase(), Requests));
            Assert.Equal("in the tail", (string?)await redis.GetDatabase().StringGetAsync("after-checkpoint"));
        }

        Assert.True(Directory.EnumerateDirectories(Path.Combine(_directory, "Store", "checkpoints", "cpr-checkpoints")).Any());
        Assert.True(aofAfter < 64 << 20, $"append-only file {aofAfter} bytes after ~150 MB of writes and the checkpoints");
    }

    [Theory]
    [InlineData("ProcessCrash", 15)]
    [InlineData("PowerLoss", 0)]
    public void Checkpoints_Unset_AreEveryQuarterHourOnlyWhereAPowerCutIsNotPromised(string promise, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), new RedisOptions().Embedded.CheckpointsEvery(Enum.Parse<DurabilityPromise>(promise)));

    private long Bytes(string folder) =>
        new DirectoryInfo(Path.Combine(_directory, folder)).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    // A hash and a string per request, as the hub keeps them: about 750 bytes each.
    private static async Task WriteAsync(IDatabase db, int requests)
    {
        var pending = new List<Task>();
        for (var i = 0; i < requests; i++)
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
