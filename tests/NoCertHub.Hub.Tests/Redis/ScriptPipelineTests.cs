using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Tests.Requests;
using StackExchange.Redis;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Hub.Tests.Redis;

/// <summary>The request path's scripts, sent in batches: every caller still gets its own answer.</summary>
public abstract class ScriptPipelineTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    private static readonly RedisScript SetAndEcho = new("redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1]");
    private static readonly RedisScript Get = new("return redis.call('GET', KEYS[1])");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _prefix = "p" + Guid.NewGuid().ToString("N")[..8] + ":";

    [Fact]
    public async Task ManyConcurrentCalls_EachGetsItsOwnReply_AndShareRoundTrips()
    {
        await using var pipeline = new ScriptPipeline(fixture.Redis, fixture.Durability);
        var batches = 0;
        pipeline.BatchSent += _ => Interlocked.Increment(ref batches);

        var calls = Enumerable.Range(0, 2000)
            .Select(i => pipeline.EvaluateAsync(SetAndEcho, [_prefix + i], ["value-" + i], durable: i % 2 == 0, CancellationToken.None))
            .ToList();
        var replies = await Task.WhenAll(calls).WaitAsync(Patience);

        var db = fixture.Redis.GetDatabase();
        for (var i = 0; i < replies.Length; i++)
        {
            Assert.Equal("value-" + i, (string?)replies[i]);
        }

        Assert.Equal("value-1999", (string?)await db.StringGetAsync(_prefix + 1999));
        Assert.InRange(batches, 1, 1999);
    }

    [Fact]
    public async Task EachBatchWithAReply_ReportsItsRoundTrip_AndDurableOnesTheirCommitWait()
    {
        await using var pipeline = new ScriptPipeline(fixture.Redis, fixture.Durability);
        var roundTrips = new System.Collections.Concurrent.ConcurrentQueue<TimeSpan>();
        var commits = new System.Collections.Concurrent.ConcurrentQueue<TimeSpan>();
        pipeline.RoundTrip += roundTrips.Enqueue;
        pipeline.CommitWaited += commits.Enqueue;

        // Both are told before the caller gets its reply.
        await pipeline.EvaluateAsync(SetAndEcho, [_prefix + "plain"], ["1"], durable: false, CancellationToken.None).WaitAsync(Patience);
        Assert.Single(roundTrips);
        Assert.Empty(commits);

        await pipeline.EvaluateAsync(SetAndEcho, [_prefix + "durable"], ["2"], durable: true, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(2, roundTrips.Count);
        Assert.Single(commits);

        // A best-effort write: its sender does not wait, the pipeline reads its reply all the
        // same (to send it again should Redis not know its script), and times that.
        pipeline.Send(SetAndEcho, [_prefix + "sent"], ["3"]);
        var db = fixture.Redis.GetDatabase();
        using var patience = new CancellationTokenSource(Patience);
        while (!await db.KeyExistsAsync(_prefix + "sent") || roundTrips.Count < 3)
        {
            await Task.Delay(10, patience.Token);
        }

        Assert.Equal(3, roundTrips.Count);
        Assert.Single(commits);
        Assert.All(roundTrips.Concat(commits), took => Assert.InRange(took, TimeSpan.Zero, Patience));
    }

    [Fact]
    public async Task AFailingScript_FailsOnlyItsOwnCall()
    {
        await using var pipeline = new ScriptPipeline(fixture.Redis, fixture.Durability);

        var before = pipeline.EvaluateAsync(SetAndEcho, [_prefix + "a"], ["a"], durable: true, CancellationToken.None);
        var broken = pipeline.EvaluateAsync(new RedisScript("return redis.call('NO_SUCH_COMMAND')"), [_prefix + "b"], [], durable: true, CancellationToken.None);
        var after = pipeline.EvaluateAsync(SetAndEcho, [_prefix + "c"], ["c"], durable: true, CancellationToken.None);

        await Assert.ThrowsAsync<RedisServerException>(() => broken.WaitAsync(Patience));
        Assert.Equal("a", (string?)await before.WaitAsync(Patience));
        Assert.Equal("c", (string?)await after.WaitAsync(Patience));
    }

    [Fact]
    public async Task ACallRedisCannotTake_FailsItsCaller_AndEveryOtherCallIsAnswered()
    {
        await using var pipeline = new ScriptPipeline(fixture.Redis, fixture.Durability);
        // Holds the loop on one batch (a script of some hundreds of milliseconds) so the three
        // calls below share the next one.
        var busy = pipeline.EvaluateAsync(new RedisScript("local n = 0 for i = 1, 20000000 do n = n + i end return 1"), [_prefix + "busy"], [], durable: false, CancellationToken.None);
        await Task.Delay(50);

        var before = pipeline.EvaluateAsync(SetAndEcho, [_prefix + "b1"], ["b1"], durable: true, CancellationToken.None);
        var unsendable = pipeline.EvaluateAsync(SetAndEcho, [default], ["b2"], durable: true, CancellationToken.None);
        var after = pipeline.EvaluateAsync(SetAndEcho, [_prefix + "b3"], ["b3"], durable: true, CancellationToken.None);
        await busy.WaitAsync(Patience);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => unsendable.WaitAsync(Patience));
        // Its batch-mates get their answers rather than wait forever, and the pipeline goes on.
        await Task.WhenAll(before, after).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Patience);
        Assert.Equal("next", (string?)await pipeline.EvaluateAsync(SetAndEcho, [_prefix + "b4"], ["next"], durable: true, CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task CallsOfOneScriptOnOneSlot_GoAsOneScriptCall_RunInTheirOrder_AndEachGetsItsOwnReply()
    {
        await using var pipeline = new ScriptPipeline(fixture.Redis, fixture.Durability);
        var groups = new System.Collections.Concurrent.ConcurrentQueue<int>();
        pipeline.GroupSent += groups.Enqueue;
        var count = new RedisScript($"-- {Guid.NewGuid()}\nreturn {{redis.call('INCR', KEYS[1]), ARGV[1]}}");
        var silent = new RedisScript($"-- {Guid.NewGuid()}\nredis.call('SET', KEYS[1], ARGV[1])");
        // One hash tag: one slot, on a cluster too.
        var tag = "{" + _prefix + "slot}";
        // Holds the loop on one batch so the calls below share the next.
        var busy = pipeline.EvaluateAsync(new RedisScript("local n = 0 for i = 1, 20000000 do n = n + i end return 1"), [_prefix + "busy"], [], durable: false, CancellationToken.None);
        await Task.Delay(50);

        var counted = Enumerable.Range(0, 50)
            .Select(i => pipeline.EvaluateAsync(count, [tag + "counter"], ["call-" + i], durable: i % 2 == 0, CancellationToken.None))
            .ToList();
        var quiet = Enumerable.Range(0, 2)
            .Select(i => pipeline.EvaluateAsync(silent, [tag + "silent-" + i], ["s" + i], durable: false, CancellationToken.None))
            .ToList();
        var elsewhere = pipeline.EvaluateAsync(count, [_prefix + "{other}counter"], ["alone"], durable: false, CancellationToken.None);
        await busy.WaitAsync(Patience);
        var replies = await Task.WhenAll(counted).WaitAsync(Patience);

        for (var i = 0; i < replies.Length; i++)
        {
            var reply = (RedisResult[])replies[i]!;
            Assert.Equal(i + 1, (long)reply[0]);
            Assert.Equal("call-" + i, (string?)reply[1]);
        }

        Assert.All(await Task.WhenAll(quiet).WaitAsync(Patience), r => Assert.True(r.IsNull));
        Assert.Equal("s1", (string?)await fixture.Redis.GetDatabase().StringGetAsync(tag + "silent-1"));
        Assert.Equal(1, (long)((RedisResult[])(await elsewhere.WaitAsync(Patience))!)[0]);
        // All fifty in one script call (with the call on another slot too where a standalone
        // server has one slot for all keys; sent twice, as the server did not know the script).
        Assert.Contains(groups, size => size >= 50);
    }

    [Fact]
    public async Task Send_IsAppliedBeforeTheCallsThatFollowIt()
    {
        await using var pipeline = new ScriptPipeline(fixture.Redis, fixture.Durability);

        pipeline.Send(SetAndEcho, [_prefix + "sent"], ["written without waiting"]);
        var read = await pipeline.EvaluateAsync(Get, [_prefix + "sent"], [], durable: false, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal("written without waiting", (string?)read);
    }

    [Fact]
    public async Task DurableCalls_AreAnsweredOnlyAfterTheCommit_AndFailIfItFails()
    {
        var commit = new TaskCompletionSource();
        await using var pipeline = new ScriptPipeline(fixture.Redis, new GatedBarrier(commit.Task));

        var durable = pipeline.EvaluateAsync(SetAndEcho, [_prefix + "d"], ["d"], durable: true, CancellationToken.None);
        var plain = pipeline.EvaluateAsync(SetAndEcho, [_prefix + "p"], ["p"], durable: false, CancellationToken.None);

        Assert.Equal("p", (string?)await plain.WaitAsync(Patience));
        // The write is in Redis, but the promise is not made until it is on disk.
        Assert.Equal("d", (string?)await fixture.Redis.GetDatabase().StringGetAsync(_prefix + "d"));
        await Task.Delay(200);
        Assert.False(durable.IsCompleted);

        commit.SetException(new IOException("disk full"));
        await Assert.ThrowsAsync<IOException>(() => durable.WaitAsync(Patience));
    }

    [Fact]
    public async Task ACancelledCaller_StopsWaiting_WhileTheOthersGetTheirReplies()
    {
        var commit = new TaskCompletionSource();
        await using var pipeline = new ScriptPipeline(fixture.Redis, new GatedBarrier(commit.Task));
        using var cancel = new CancellationTokenSource();

        var abandoned = pipeline.EvaluateAsync(SetAndEcho, [_prefix + "x"], ["x"], durable: true, cancel.Token);
        var waiting = pipeline.EvaluateAsync(SetAndEcho, [_prefix + "y"], ["y"], durable: true, CancellationToken.None);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(Patience));
        commit.SetResult();
        Assert.Equal("y", (string?)await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task AScriptTheServerHasNotSeen_RunsOnce_AndIsKnownToItAfterwards()
    {
        await using var pipeline = new ScriptPipeline(fixture.Redis, fixture.Durability);
        var db = fixture.Redis.GetDatabase();
        // Never sent before: its digest is unknown to the server. It counts its own runs.
        var counting = new RedisScript($"-- {Guid.NewGuid()}\nreturn redis.call('INCR', KEYS[1])");
        Assert.False(await KnownAsync(db, counting));

        Assert.Equal(1, (long)await pipeline.EvaluateAsync(counting, [_prefix + "runs"], [], durable: true, CancellationToken.None).WaitAsync(Patience));
        Assert.Equal(2, (long)await pipeline.EvaluateAsync(counting, [_prefix + "runs"], [], durable: false, CancellationToken.None).WaitAsync(Patience));

        Assert.True(await KnownAsync(db, counting));
        Assert.Equal(2, (long)await db.StringGetAsync(_prefix + "runs"));
    }

    [Fact]
    public async Task AfterTheServerForgetsItsScripts_EveryCallStillRunsExactlyOnce()
    {
        await using var pipeline = new ScriptPipeline(fixture.Redis, fixture.Durability);
        var db = fixture.Redis.GetDatabase();
        var counting = new RedisScript($"-- {Guid.NewGuid()}\nreturn redis.call('INCR', KEYS[1])");
        var key = _prefix + "flushed";
        // Both ways of sending have used the script: the client believes the server knows it.
        pipeline.Send(counting, [key], []);
        Assert.Equal(2, (long)await pipeline.EvaluateAsync(counting, [key], [], durable: false, CancellationToken.None).WaitAsync(Patience));

        // As after a restart of the server, or an operator's SCRIPT FLUSH.
        await db.ExecuteAsync("SCRIPT", "FLUSH");
        var calls = Enumerable.Range(0, 50)
            .Select(i => pipeline.EvaluateAsync(counting, [key], [], durable: i % 2 == 0, CancellationToken.None))
            .ToList();
        await Task.WhenAll(calls).WaitAsync(Patience);
        Assert.Equal(52, (long)await db.StringGetAsync(key));

        // A best-effort write, whose refusal nobody would read, is not lost either.
        await db.ExecuteAsync("SCRIPT", "FLUSH");
        pipeline.Send(counting, [key], []);
        Assert.Equal(54, (long)await pipeline.EvaluateAsync(counting, [key], [], durable: false, CancellationToken.None).WaitAsync(Patience));
    }

    private static async Task<bool> KnownAsync(IDatabase db, RedisScript script) =>
        (bool)((RedisResult[])(await db.ExecuteAsync("SCRIPT", "EXISTS", Convert.ToHexStringLower(script.Digest)))!)[0];

}

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class ScriptPipelineOnGarnetTests(GarnetFixture fixture) : ScriptPipelineTests<GarnetFixture>(fixture);

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class ScriptPipelineOnRedisServerTests(RedisServerFixture fixture) : ScriptPipelineTests<RedisServerFixture>(fixture);
