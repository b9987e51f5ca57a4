using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Tests.Requests;
using NoCertHub.Hub.Verification;
using NoCertHub.V1;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Hub.Tests.Verification;

/// <summary>Two hubs on one Redis: results recorded through one wake the waiters of the other.</summary>
public abstract class ResultNotifierTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    // Generous: the only way these waits complete is the pub/sub message; nothing here polls.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly RedisKeys _keys = new("n" + Guid.NewGuid().ToString("N")[..8], 16);

    [Fact]
    public async Task ResultsRecordedOnOneHub_WakeEveryWatchedWindowOnTheOther_InBatches()
    {
        await using var hubs = await TwoHubsAsync();
        var windows = Enumerable.Range(0, 50).Select(i => RedisKeys.WindowId(TestRequests.RequestingDepartment, $"w{i}")).ToList();
        var changes = windows.Select(hubs.A.NextChange).ToList();

        // A burst, as under load: announced together in a few messages, not one per result.
        for (var i = 0; i < 1000; i++)
        {
            hubs.B.Published(windows[i % windows.Count], Result($"r{i}"));
        }

        await Task.WhenAll(changes).WaitAsync(Patience);
    }

    [Fact]
    public async Task VerifyWaitingOnOneHub_GetsTheResultRecordedThroughTheOther_FromTheStore()
    {
        await using var hubs = await TwoHubsAsync();
        var now = DateTimeOffset.UtcNow;
        var accepted = TestRequests.Accepted(_keys, "w-verify", now, now.AddMinutes(30));
        await hubs.Store.AcceptAsync(accepted, null, CancellationToken.None);
        var waiting = hubs.A.WaitForResult(accepted.RequestId);
        var result = Result(accepted.RequestId);
        await hubs.Store.CompleteAsync(accepted.WindowId, result, null, CancellationToken.None);

        hubs.B.Published(accepted.WindowId, result);

        Assert.Equal(result, await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task AHubIgnoresItsOwnAnnouncements_ItsWaitersAreWokenLocallyOnce()
    {
        await using var hubs = await TwoHubsAsync();
        var observer = Notifier("hub-c", hubs.Store);
        await observer.StartAsync(CancellationToken.None);
        try
        {
            var window = RedisKeys.WindowId(TestRequests.RequestingDepartment, "w-own");
            var first = hubs.A.NextChange(window);
            var seenElsewhere = observer.NextChange(window);

            hubs.A.Published(window, Result("r-own"));
            await first.WaitAsync(Patience);
            var next = hubs.A.NextChange(window);
            // Once another hub has A's message, Redis has written it to A's subscription too; a
            // message B publishes after that reaches A behind it.
            await seenElsewhere.WaitAsync(Patience);
            var after = RedisKeys.WindowId(TestRequests.RequestingDepartment, "w-after");
            var afterChange = hubs.A.NextChange(after);
            hubs.B.Published(after, Result("r-after"));
            await afterChange.WaitAsync(Patience);

            Assert.False(next.IsCompleted, "a hub's own announcement, coming back, woke its window a second time");
        }
        finally
        {
            await observer.StopAsync(CancellationToken.None);
            observer.Dispose();
        }
    }

    private async Task<Hubs> TwoHubsAsync()
    {
        var store = fixture.RequestStore(_keys);
        var a = Notifier("hub-a", store);
        var b = Notifier("hub-b", store);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        return new Hubs(a, b, store);
    }

    private ResultNotifier Notifier(string instance, IRequestStore store) =>
        new(fixture.Redis, _keys, store, Options.Create(new HubOptions { InstanceId = instance }), NullLogger<ResultNotifier>.Instance);

    private static VerificationResult Result(string id) =>
        new() { RequestId = id, Verdict = Verdict.Match, ItemCode = "JJ-MZ-001", CaseNumber = "case-1", AnsweredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };

    private sealed record Hubs(ResultNotifier A, ResultNotifier B, RedisRequestStore Store) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var notifier in new[] { A, B })
            {
                await notifier.StopAsync(CancellationToken.None);
                notifier.Dispose();
            }
        }
    }
}

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class ResultNotifierOnGarnetTests(GarnetFixture fixture) : ResultNotifierTests<GarnetFixture>(fixture);

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class ResultNotifierOnRedisServerTests(RedisServerFixture fixture) : ResultNotifierTests<RedisServerFixture>(fixture);
