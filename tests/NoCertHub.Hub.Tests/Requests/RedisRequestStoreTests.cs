using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Tests.Redis;
using NoCertHub.V1;
using StackExchange.Redis;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Hub.Tests.Requests;

public abstract class RedisRequestStoreTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : RedisFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly RedisKeys _keys = new("t" + Guid.NewGuid().ToString("N")[..8], 16);

    private RedisRequestStore Store(int windowHistory = 100) =>
        fixture.RequestStore(_keys, options: new RedisOptions { WindowHistory = windowHistory, AnsweredRetention = TimeSpan.FromHours(1) });

    [Fact]
    public async Task Accept_RecordsTheRequestWithItsDeadlineInTheShardsTimerSet()
    {
        var (accepted, shard) = NewRequest("win-a", TimeSpan.FromMinutes(30));

        var id = await Store().AcceptAsync(accepted, null, CancellationToken.None);

        Assert.Equal(accepted.RequestId, id);
        var score = await fixture.Redis.GetDatabase().SortedSetScoreAsync(_keys.Timers(shard), id);
        Assert.Equal(accepted.Receipt.Deadline.ToDateTimeOffset().ToUnixTimeMilliseconds(), (long)score!.Value);
        var stored = await Store().GetAsync(id, CancellationToken.None);
        Assert.Equal(RequestState.Queued, stored!.State);
        Assert.Equal(accepted.Request, stored.Request);
        Assert.Null(stored.Result);
    }

    [Fact]
    public async Task Complete_CalledTwice_RecordsOnceAndTakesTheRequestOffTheDeadlineSet()
    {
        var (accepted, shard) = NewRequest("win-b", TimeSpan.FromMinutes(30));
        var store = Store();
        await store.AcceptAsync(accepted, null, CancellationToken.None);

        var first = await store.CompleteAsync(accepted.WindowId, Result(accepted.RequestId, Verdict.Match), null, CancellationToken.None);
        var second = await store.CompleteAsync(accepted.WindowId, Result(accepted.RequestId, Verdict.Mismatch), null, CancellationToken.None);

        Assert.Equal(CompletionKind.Completed, first.Kind);
        Assert.Equal(CompletionKind.AlreadyCompleted, second.Kind);
        Assert.Equal(first.Sequence, second.Sequence);
        Assert.Null(await fixture.Redis.GetDatabase().SortedSetScoreAsync(_keys.Timers(shard), accepted.RequestId));
        var stored = await store.GetAsync(accepted.RequestId, CancellationToken.None);
        Assert.Equal(RequestState.Answered, stored!.State);
        Assert.Equal(Verdict.Match, stored.Result!.Verdict);
        var page = await store.ReadWindowAsync(accepted.WindowId, 0, 10, CancellationToken.None);
        Assert.Single(page.Entries);
    }

    [Fact]
    public async Task ARequestAcceptedWithoutItsReceipt_IsRecordedBeforeTheDisk_WhileReceiptsAnswersAndFlushWaitForIt()
    {
        var disk = new TaskCompletionSource();
        await using var scripts = new ScriptPipeline(fixture.Redis, new GatedBarrier(disk.Task));
        var store = fixture.RequestStore(_keys, scripts: scripts);
        var (submitted, _) = NewRequest("win-d1", TimeSpan.FromMinutes(30));
        var (verified, _) = NewRequest("win-d2", TimeSpan.FromMinutes(30));

        var receipt = store.AcceptAsync(submitted, null, CancellationToken.None);
        // Verify's: routed at once, its promise is the answer's.
        Assert.Equal(verified.RequestId, await store.AcceptAsync(verified with { ReceiptNow = false }, null, CancellationToken.None).WaitAsync(Patience));
        Assert.Equal(RequestState.Queued, (await store.GetAsync(verified.RequestId, CancellationToken.None))!.State);
        var answer = store.CompleteAsync(verified.WindowId, Result(verified.RequestId, Verdict.Match), null, CancellationToken.None);
        var flushed = store.FlushAsync(CancellationToken.None);

        await Task.Delay(200);
        Assert.False(receipt.IsCompleted);
        Assert.False(answer.IsCompleted);
        Assert.False(flushed.IsCompleted);
        disk.SetResult();
        await Task.WhenAll(receipt, answer, flushed).WaitAsync(Patience);
        Assert.Equal(CompletionKind.Completed, (await answer).Kind);
    }

    [Fact]
    public async Task AVerifyAnsweredBeforeItsAcceptanceWasWritten_IsRecordedAndAnsweredInOneWrite_AndTheLateAcceptanceChangesNothing()
    {
        var (accepted, shard) = NewRequest("win-v1", TimeSpan.FromMinutes(30));
        var held = accepted with { ReceiptNow = false, IfAbsent = true };
        var store = Store();

        var outcome = await store.CompleteAsync(accepted.WindowId, Result(accepted.RequestId, Verdict.Match), held, CancellationToken.None);
        // The delay's end, racing the answer, writes the acceptance after it.
        Assert.Equal(accepted.RequestId, await store.AcceptAsync(held, null, CancellationToken.None));

        Assert.Equal(CompletionKind.Completed, outcome.Kind);
        var stored = await store.GetAsync(accepted.RequestId, CancellationToken.None);
        Assert.Equal(RequestState.Answered, stored!.State);
        Assert.Equal(accepted.Request, stored.Request);
        Assert.Equal(accepted.Receipt, stored.Receipt);
        Assert.Equal(Verdict.Match, stored.Result!.Verdict);
        Assert.Null(await fixture.Redis.GetDatabase().SortedSetScoreAsync(_keys.Timers(shard), accepted.RequestId));
        var check = Assert.Single(await CaseChecksAsync(shard, accepted));
        Assert.Equal(accepted.RequestId, check.RequestId);
        Assert.Equal(accepted.Receipt.AcceptedAt.ToDateTimeOffset().ToUnixTimeMilliseconds(), check.AcceptedAt.ToUnixTimeMilliseconds());
        Assert.NotNull(check.AnsweredAt);
        Assert.Equal([outcome.Sequence], (await store.ReadWindowAsync(accepted.WindowId, 0, 10, CancellationToken.None)).Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task AVerifyWhoseAcceptanceWasWrittenAfterItsDelay_IsTrackedWithItsDeadline_ThenAnsweredOnce()
    {
        var (accepted, shard) = NewRequest("win-v2", TimeSpan.FromMinutes(30));
        var held = accepted with { ReceiptNow = false, IfAbsent = true };
        var store = Store();
        var db = fixture.Redis.GetDatabase();

        await store.AcceptAsync(held, null, CancellationToken.None);
        Assert.Equal(accepted.Receipt.Deadline.ToDateTimeOffset().ToUnixTimeMilliseconds(), (long)(await db.SortedSetScoreAsync(_keys.Timers(shard), accepted.RequestId))!.Value);
        Assert.Equal(RequestState.Queued, (await store.GetAsync(accepted.RequestId, CancellationToken.None))!.State);
        Assert.Null(Assert.Single(await CaseChecksAsync(shard, accepted)).AnsweredAt);

        // Its answer still carries the acceptance: it finds the request on record and only answers it.
        var first = await store.CompleteAsync(accepted.WindowId, Result(accepted.RequestId, Verdict.Match), held, CancellationToken.None);
        var second = await store.CompleteAsync(accepted.WindowId, Result(accepted.RequestId, Verdict.Mismatch), held, CancellationToken.None);

        Assert.Equal(CompletionKind.Completed, first.Kind);
        Assert.Equal(CompletionKind.AlreadyCompleted, second.Kind);
        Assert.Null(await db.SortedSetScoreAsync(_keys.Timers(shard), accepted.RequestId));
        Assert.Equal(Verdict.Match, (await store.GetAsync(accepted.RequestId, CancellationToken.None))!.Result!.Verdict);
        Assert.NotNull(Assert.Single(await CaseChecksAsync(shard, accepted)).AnsweredAt);
        Assert.Single((await store.ReadWindowAsync(accepted.WindowId, 0, 10, CancellationToken.None)).Entries);
    }

    [Fact]
    public async Task Complete_RequestNeverAccepted_ReportsUnknown()
    {
        var (accepted, _) = NewRequest("win-c", TimeSpan.FromMinutes(30));

        var outcome = await Store().CompleteAsync(accepted.WindowId, Result(accepted.RequestId, Verdict.Match), null, CancellationToken.None);

        Assert.Equal(CompletionKind.UnknownRequest, outcome.Kind);
        Assert.Empty((await Store().ReadWindowAsync(accepted.WindowId, 0, 10, CancellationToken.None)).Entries);
    }

    [Fact]
    public async Task Accept_SameClientRequestIdTwice_KeepsTheFirstRequestOnly()
    {
        var (first, shard) = NewRequest("win-d", TimeSpan.FromMinutes(30));
        var (second, _) = NewRequest("win-d", TimeSpan.FromMinutes(30));
        var store = Store();

        var a = await store.AcceptAsync(first, "client-42", CancellationToken.None);
        var b = await store.AcceptAsync(second, "client-42", CancellationToken.None);

        Assert.Equal(first.RequestId, a);
        Assert.Equal(first.RequestId, b);
        Assert.Null(await fixture.Redis.GetDatabase().SortedSetScoreAsync(_keys.Timers(shard), second.RequestId));
        Assert.Null(await store.GetAsync(second.RequestId, CancellationToken.None));
    }

    [Fact]
    public async Task ReadWindow_AfterACursor_ReturnsLaterResultsInOrder()
    {
        var store = Store();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var (accepted, _) = NewRequest("win-e", TimeSpan.FromMinutes(30));
            await store.AcceptAsync(accepted, null, CancellationToken.None);
            await store.CompleteAsync(accepted.WindowId, Result(accepted.RequestId, Verdict.Match), null, CancellationToken.None);
            ids.Add(accepted.RequestId);
        }

        var all = await store.ReadWindowAsync(RedisKeys.WindowId("dept", "win-e"), 0, 10, CancellationToken.None);
        var after = await store.ReadWindowAsync(RedisKeys.WindowId("dept", "win-e"), all.Entries[1].Sequence, 2, CancellationToken.None);

        Assert.Equal(ids, all.Entries.Select(e => e.Result.RequestId));
        Assert.Equal(ids.Skip(2).Take(2), after.Entries.Select(e => e.Result.RequestId));
        Assert.False(after.Truncated);
    }

    [Fact]
    public async Task ReadWindow_CursorOlderThanRetainedHistory_IsFlaggedTruncated()
    {
        var store = Store(windowHistory: 3);
        for (var i = 0; i < 6; i++)
        {
            var (accepted, _) = NewRequest("win-f", TimeSpan.FromMinutes(30));
            await store.AcceptAsync(accepted, null, CancellationToken.None);
            await store.CompleteAsync(accepted.WindowId, Result(accepted.RequestId, Verdict.Match), null, CancellationToken.None);
        }

        var page = await store.ReadWindowAsync(RedisKeys.WindowId("dept", "win-f"), 1, 10, CancellationToken.None);

        Assert.True(page.Truncated);
        Assert.Equal([4L, 5L, 6L], page.Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task ReadWindow_HistoryGrownPastItsFirstSlotsAndWrappedManyTimes_ReturnsTheLatestInOrder()
    {
        var grown = await AnswerAsync(Store(windowHistory: 100), "win-h", 70);
        var wrapped = await AnswerAsync(Store(windowHistory: 3), "win-i", 10);

        var all = await Store(windowHistory: 100).ReadWindowAsync(RedisKeys.WindowId("dept", "win-h"), 0, 1_000, CancellationToken.None);
        var latest = await Store(windowHistory: 3).ReadWindowAsync(RedisKeys.WindowId("dept", "win-i"), 0, 10, CancellationToken.None);
        var after = await Store(windowHistory: 3).ReadWindowAsync(RedisKeys.WindowId("dept", "win-i"), 8, 10, CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, 70).Select(i => (long)i), all.Entries.Select(e => e.Sequence));
        Assert.Equal(grown, all.Entries.Select(e => e.Result.RequestId));
        Assert.False(all.Truncated);
        Assert.Equal([8L, 9L, 10L], latest.Entries.Select(e => e.Sequence));
        Assert.Equal(wrapped[7..], latest.Entries.Select(e => e.Result.RequestId));
        Assert.True(latest.Truncated);
        Assert.Equal(wrapped[8..], after.Entries.Select(e => e.Result.RequestId));
        Assert.False(after.Truncated);
    }

    [Fact]
    public async Task ReadWindow_HistoryCapacityChanged_NumberingGoesOnAndOlderAnswersReadAsTrimmed()
    {
        await AnswerAsync(Store(windowHistory: 3), "win-j", 3);
        var later = await AnswerAsync(Store(windowHistory: 5), "win-j", 2);

        var page = await Store(windowHistory: 5).ReadWindowAsync(RedisKeys.WindowId("dept", "win-j"), 1, 10, CancellationToken.None);

        Assert.Equal([4L, 5L], page.Entries.Select(e => e.Sequence));
        Assert.Equal(later, page.Entries.Select(e => e.Result.RequestId));
        Assert.True(page.Truncated);
    }

    [Fact]
    public async Task ReadWindow_AnswerGoneFromTheMiddle_EndsThePageAndTheNextReadSaysResultsWereDropped()
    {
        var ids = await AnswerAsync(Store(windowHistory: 10), "win-k", 5);
        await fixture.Redis.GetDatabase().KeyDeleteAsync(_keys.Request(_keys.ShardOfWindow("dept", "win-k"), ids[2]));

        var first = await Store(windowHistory: 10).ReadWindowAsync(RedisKeys.WindowId("dept", "win-k"), 0, 10, CancellationToken.None);
        var next = await Store(windowHistory: 10).ReadWindowAsync(RedisKeys.WindowId("dept", "win-k"), 2, 10, CancellationToken.None);

        Assert.Equal([1L, 2L], first.Entries.Select(e => e.Sequence));
        Assert.False(first.Truncated);
        Assert.Equal([4L, 5L], next.Entries.Select(e => e.Sequence));
        Assert.True(next.Truncated);
    }

    [Fact]
    public async Task ReadWindow_SlotTakenByAnotherAnswer_IsNotReadAsTheAnswerNumberedThere()
    {
        // What a read sees when answers wrap the ring between its reading the head and the slots.
        var ids = await AnswerAsync(Store(windowHistory: 3), "win-l", 3);
        await fixture.Redis.GetDatabase().StringSetRangeAsync(_keys.WindowHistory(_keys.ShardOfWindow("dept", "win-l"), RedisKeys.WindowId("dept", "win-l")), WindowHistory.SlotOffset(0), ids[1]);

        var page = await Store(windowHistory: 3).ReadWindowAsync(RedisKeys.WindowId("dept", "win-l"), 0, 10, CancellationToken.None);

        Assert.Equal([2L, 3L], page.Entries.Select(e => e.Sequence));
        Assert.Equal(ids[1..], page.Entries.Select(e => e.Result.RequestId));
    }

    [Fact]
    public async Task Record_OfficerAndHubWithSeparatorsAndChinese_SurviveAssignAdoptionAndAnswer()
    {
        // The request record is a string whose fields the scripts split: text that looks like
        // its separators, lengths or state letters must come back as it went in.
        const string Officer = "王小明 12:a0|q1|𠀀";
        var (accepted, _) = NewRequest("win-r", TimeSpan.FromMinutes(30));
        accepted = accepted with { Officer = Officer };
        var dead = fixture.RequestStore(_keys, incarnation: Incarnation("hub|1:2"));
        var adopter = fixture.RequestStore(_keys, incarnation: Incarnation("接管:3|"));
        await dead.AcceptAsync(accepted, null, CancellationToken.None);
        dead.MarkAssigned(accepted.RequestId);
        // MarkAssigned is fire-and-forget; a later call through the same store lands after it.
        await dead.AcceptAsync(NewRequest("win-r2", TimeSpan.FromMinutes(30)).Request, null, CancellationToken.None);
        Assert.Equal(RequestState.Assigned, (await dead.GetAsync(accepted.RequestId, CancellationToken.None))!.State);

        var wrongOwner = await adopter.AdoptAsync(accepted.RequestId, "hub|1", CancellationToken.None);
        var adopted = await adopter.AdoptAsync(accepted.RequestId, Incarnation("hub|1:2").Id, CancellationToken.None);
        var queuedAgain = await adopter.GetAsync(accepted.RequestId, CancellationToken.None);
        var result = Result(accepted.RequestId, Verdict.Mismatch);
        result.Disclosed.Add("marital_status", "已婚|1:x");
        var completed = await adopter.CompleteAsync(accepted.WindowId, result, null, CancellationToken.None);
        var answered = await adopter.GetAsync(accepted.RequestId, CancellationToken.None);
        var afterAnswer = await fixture.RequestStore(_keys, incarnation: Incarnation("third")).AdoptAsync(accepted.RequestId, Incarnation("接管:3|").Id, CancellationToken.None);

        Assert.Null(wrongOwner);
        Assert.Equal(Officer, adopted!.Officer);
        Assert.Equal(accepted.Request, adopted.Request);
        Assert.Equal(RequestState.Queued, queuedAgain!.State);
        Assert.Equal(CompletionKind.Completed, completed.Kind);
        Assert.Equal(RequestState.Answered, answered!.State);
        Assert.Equal(result, answered.Result);
        Assert.Null(afterAnswer);
    }

    [Fact]
    public void Keys_OfOneRequestAndItsWindow_ShareOneClusterSlot()
    {
        var (accepted, shard) = NewRequest("win-g", TimeSpan.FromMinutes(30));
        RedisKey[] keys =
        [
            _keys.Request(shard, accepted.RequestId),
            _keys.Timers(shard),
            _keys.WindowHistory(shard, accepted.WindowId),
            _keys.ClientRequest(shard, accepted.WindowId, "x"),
            _keys.Body(shard, accepted.RequestId),
            _keys.Escalation(shard, accepted.RequestId),
            _keys.OpenEscalations(shard),
            _keys.ClosedEscalations(shard),
            _keys.Case(shard, "dept", "case-1"),
            _keys.CaseOverflow(shard, "dept", "case-1"),
        ];

        Assert.Single(keys.Select(k => ClusterSlot.Of(k!)).Distinct());
        Assert.NotEqual(ClusterSlot.Of(_keys.Timers(0)!), ClusterSlot.Of(_keys.Timers(1)!));
    }

    [Fact]
    public void ClusterSlot_MatchesTheClusterSpecTestVector() => Assert.Equal(0x31C3 % 16384, ClusterSlot.Of("123456789"));

    private async Task<List<string>> AnswerAsync(RedisRequestStore store, string window, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var (accepted, _) = NewRequest(window, TimeSpan.FromMinutes(30));
            await store.AcceptAsync(accepted, null, CancellationToken.None);
            await store.CompleteAsync(accepted.WindowId, Result(accepted.RequestId, Verdict.Match), null, CancellationToken.None);
            ids.Add(accepted.RequestId);
        }

        return ids;
    }

    // The incarnation id is the instance plus a random suffix, the same for every call with one instance.
    private readonly Dictionary<string, HubIncarnation> _incarnations = [];

    private HubIncarnation Incarnation(string instance)
    {
        if (!_incarnations.TryGetValue(instance, out var incarnation))
        {
            incarnation = new HubIncarnation(Options.Create(new HubOptions { InstanceId = instance }));
            _incarnations[instance] = incarnation;
        }

        return incarnation;
    }

    private async Task<List<CaseCheckEntry>> CaseChecksAsync(int shard, AcceptedRequest accepted) =>
        [.. CaseCheckEntry.ParseLines(await fixture.Redis.GetDatabase().StringGetAsync(_keys.Case(shard, TestRequests.RequestingDepartment, accepted.Request.CaseNumber)))];

    private (AcceptedRequest Request, int Shard) NewRequest(string window, TimeSpan limit)
    {
        var now = DateTimeOffset.UtcNow;
        return (TestRequests.Accepted(_keys, window, now, now + limit), _keys.ShardOfWindow(TestRequests.RequestingDepartment, window));
    }

    private static VerificationResult Result(string id, Verdict verdict) =>
        new() { RequestId = id, Verdict = verdict, ItemCode = "JJ-MZ-001", CaseNumber = "case-1", AnsweredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
}

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class RedisRequestStoreOnGarnetTests(GarnetFixture fixture) : RedisRequestStoreTests<GarnetFixture>(fixture);

[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class RedisRequestStoreOnRedisServerTests(RedisServerFixture fixture) : RedisRequestStoreTests<RedisServerFixture>(fixture);
