using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.V1;
using StackExchange.Redis;

namespace NoCertHub.Hub.Requests;

internal sealed class RedisRequestStore(IConnectionMultiplexer redis, RedisKeys keys, IOptions<RedisOptions> options, IOptions<SlaOptions> sla, HubIncarnation incarnation, ScriptPipeline scripts) : IRequestStore
{
    // The scripts, with what they take and return, are Lua/*.lua beside this file.
    private static readonly RedisScript Accept = LuaScripts.Load("accept.lua");
    private static readonly RedisScript Complete = LuaScripts.Load("complete.lua");
    private static readonly RedisScript Assign = LuaScripts.Load("assign.lua");
    private static readonly RedisScript Adopt = LuaScripts.Load("adopt.lua");

    private readonly RedisOptions _options = options.Value;
    private readonly long _caseTtlSeconds = (long)sla.Value.CaseRetention.TotalSeconds;
    private readonly string _instance = incarnation.Id;

    private IDatabase Db => redis.GetDatabase();

    public async Task<string> AcceptAsync(AcceptedRequest request, string? clientRequestId, CancellationToken cancellationToken)
    {
        var shard = Shard(request.RequestId);
        var useClientId = !string.IsNullOrEmpty(clientRequestId);
        var deadline = request.Receipt.Deadline.ToDateTimeOffset().ToUnixTimeMilliseconds();
        RedisKey[] scriptKeys =
        [
            keys.Request(shard, request.RequestId),
            keys.Body(shard, request.RequestId),
            keys.Timers(shard),
            keys.ClientRequest(shard, request.WindowId, useClientId ? clientRequestId! : "-"),
            keys.Case(shard, request.Request.Requester.Department, request.Request.CaseNumber),
            keys.CaseOverflow(shard, request.Request.Requester.Department, request.Request.CaseNumber),
        ];
        var (body, record, caseEntry) = NewRequest(request, deadline);
        RedisValue[] args =
        [
            request.RequestId,
            body,
            request.RemindAt is { } remindAt ? Math.Min(remindAt.ToUnixTimeMilliseconds(), deadline) : deadline,
            record,
            useClientId ? "1" : "0",
            (long)_options.IdempotencyWindow.TotalSeconds,
            caseEntry,
            _caseTtlSeconds,
            CaseCheckEntry.CaseStringLimit,
            request.IfAbsent ? "1" : "0",
        ];
        // A receipt promises the request is tracked: on disk first.
        var result = await scripts.EvaluateAsync(Accept, scriptKeys, args, durable: request.ReceiptNow, cancellationToken);
        return (string)result!;
    }

    // What accept.lua and complete.lua both write for a new request: its body, its queued record, its case entry.
    private (byte[] Body, byte[] Record, string CaseEntry) NewRequest(AcceptedRequest request, long deadline) => (
        RequestBody.Pack(request.Request, request.Receipt),
        RequestRecord.NewQueued(deadline, request.RemindAt is not null, _instance, request.Officer ?? request.Request.Requester.Officer),
        CaseCheckEntry.Pending(request.Receipt));

    public Task FlushAsync(CancellationToken cancellationToken) => scripts.CommitAsync(cancellationToken);

    public void MarkAssigned(string requestId)
    {
        var shard = Shard(requestId);
        scripts.Send(Assign, [keys.Request(shard, requestId)], []);
    }

    public async Task<CompletionOutcome> CompleteAsync(string windowId, VerificationResult result, AcceptedRequest? unrecorded, CancellationToken cancellationToken)
    {
        var shard = Shard(result.RequestId);
        RedisKey[] scriptKeys =
        [
            keys.Request(shard, result.RequestId),
            keys.Body(shard, result.RequestId),
            keys.Timers(shard),
            keys.WindowHistory(shard, windowId),
            keys.Escalation(shard, result.RequestId),
            keys.Case(shard, RedisKeys.DepartmentOfWindow(windowId), result.CaseNumber),
            keys.CaseOverflow(shard, RedisKeys.DepartmentOfWindow(windowId), result.CaseNumber),
        ];
        RedisValue[] args =
        [
            result.RequestId,
            result.ToByteArray(),
            _options.WindowHistory,
            (long)_options.AnsweredRetention.TotalSeconds,
            result.AnsweredAt.ToDateTimeOffset().ToUnixTimeMilliseconds(),
            _caseTtlSeconds,
        ];
        if (unrecorded is not null)
        {
            // Not written yet (a Verify answered within Hub:VerifyRecordAfter): recorded and answered in one call.
            var (body, record, caseEntry) = NewRequest(unrecorded, unrecorded.Receipt.Deadline.ToDateTimeOffset().ToUnixTimeMilliseconds());
            args = [.. args, body, record, caseEntry, CaseCheckEntry.CaseStringLimit];
        }

        // The window's history numbers results; one it saw must not be renumbered after a crash.
        var reply = (RedisResult[])(await scripts.EvaluateAsync(Complete, scriptKeys, args, durable: true, cancellationToken))!;
        var kind = (int)reply[0] switch
        {
            0 => CompletionKind.Completed,
            1 => CompletionKind.AlreadyCompleted,
            _ => CompletionKind.UnknownRequest,
        };
        return new CompletionOutcome(kind, (long)reply[1]);
    }

    public async Task<StoredRequest?> GetAsync(string requestId, CancellationToken cancellationToken)
    {
        if (!keys.TryShardOfRequest(requestId, out var shard))
        {
            return null;
        }

        var db = Db;
        var recordTask = db.StringGetAsync(keys.Request(shard, requestId));
        var bodyTask = db.StringGetAsync(keys.Body(shard, requestId));
        await Task.WhenAll(recordTask, bodyTask).WaitAsync(cancellationToken);
        if (bodyTask.Result.IsNull || !RequestRecord.TryParse((ReadOnlyMemory<byte>)recordTask.Result, out var record))
        {
            return null;
        }

        var result = record.State == RequestRecord.Answered ? VerificationResult.Parser.ParseFrom(record.Result.Span) : null;
        var (request, receipt) = RequestBody.Unpack(requestId, (byte[])bodyTask.Result!);
        return new StoredRequest(request, receipt, record.RequestState, result);
    }

    public async Task<IReadOnlyList<(string RequestId, string Owner)>> FindUnansweredOfAsync(IReadOnlySet<string> owners, CancellationToken cancellationToken)
    {
        const int Chunk = 1000;
        var db = Db;
        var perShard = await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(async shard =>
        {
            var found = new List<(string RequestId, string Owner)>();
            // Escalated requests leave the deadline set but still need their answer.
            foreach (var set in new[] { keys.Timers(shard), keys.OpenEscalations(shard) })
            {
                for (long start = 0; ; start += Chunk)
                {
                    var ids = await db.SortedSetRangeByRankAsync(set, start, start + Chunk - 1);
                    var records = await Task.WhenAll(ids.Select(id => db.StringGetAsync(keys.Request(shard, (string)id!))));
                    foreach (var (id, value) in ids.Zip(records))
                    {
                        if (RequestRecord.TryParse((ReadOnlyMemory<byte>)value, out var record) && record.State != RequestRecord.Answered && owners.Contains(record.Hub))
                        {
                            found.Add(((string)id!, record.Hub));
                        }
                    }

                    if (ids.Length < Chunk)
                    {
                        break;
                    }
                }
            }

            return found;
        })).WaitAsync(cancellationToken);
        return perShard.SelectMany(x => x).Distinct().ToList();
    }

    public async Task<AdoptedRequest?> AdoptAsync(string requestId, string previousOwner, CancellationToken cancellationToken)
    {
        var shard = Shard(requestId);
        var reply = await Db.EvaluateAsync(Adopt, [keys.Request(shard, requestId), keys.Body(shard, requestId)], [previousOwner, _instance]).WaitAsync(cancellationToken);
        if (reply.IsNull || reply.Resp2Type != ResultType.Array)
        {
            return null;
        }

        var parts = (RedisResult[])reply!;
        var (request, receipt) = RequestBody.Unpack(requestId, (byte[])parts[0]!);
        return new AdoptedRequest(request, receipt, (string?)parts[1] ?? "");
    }

    public async Task<WindowPage> ReadWindowAsync(string windowId, long afterSequence, int max, CancellationToken cancellationToken)
    {
        var shard = ShardOfWindowId(windowId);
        var db = Db;
        var history = keys.WindowHistory(shard, windowId);
        if (!WindowHistory.TryReadHead((byte[]?)await db.StringGetRangeAsync(history, 0, WindowHistory.HeadLength - 1).WaitAsync(cancellationToken), out var last, out var capacity))
        {
            return new WindowPage([], Truncated: false);
        }

        // Only the last 'capacity' answers have a slot; an answer whose record expired, or whose
        // slot a later answer took while this read, is a gap: before the first entry it is
        // skipped (and the page says so), after it the page ends, so the next read reports it.
        var entries = new List<WindowEntry>();
        for (var from = Math.Max(afterSequence + 1, last - capacity + 1); from <= last && entries.Count == 0; from += Math.Min(max, capacity))
        {
            var to = Math.Min(last, from + Math.Min(max, capacity) - 1);
            var ids = await ReadSlotsAsync(db, history, capacity, from, to, cancellationToken);
            var records = await db.StringGetAsync([.. ids.Select(id => keys.Request(shard, id))]).WaitAsync(cancellationToken);
            for (var i = 0; i < ids.Count; i++)
            {
                var sequence = from + i;
                if (RequestRecord.TryParse((ReadOnlyMemory<byte>)records[i], out var record) && record.State == RequestRecord.Answered && record.Sequence == sequence)
                {
                    entries.Add(new WindowEntry(sequence, VerificationResult.Parser.ParseFrom(record.Result.Span)));
                }
                else if (entries.Count > 0)
                {
                    break;
                }
            }
        }

        var truncated = entries.Count > 0 && entries[0].Sequence > afterSequence + 1;
        return new WindowPage(entries, truncated);
    }

    private static async Task<List<string>> ReadSlotsAsync(IDatabase db, RedisKey history, long capacity, long from, long to, CancellationToken cancellationToken)
    {
        var ids = new List<string>((int)(to - from + 1));
        for (var sequence = from; sequence <= to;)
        {
            // One range per run of slots up to the ring's end.
            var slot = WindowHistory.Slot(sequence, capacity);
            var count = Math.Min(to - sequence + 1, capacity - slot);
            var offset = WindowHistory.SlotOffset(slot);
            var bytes = (byte[]?)await db.StringGetRangeAsync(history, offset, offset + (count * RedisKeys.IdLength) - 1).WaitAsync(cancellationToken) ?? [];
            for (var i = 0; i < count; i++)
            {
                ids.Add(i * RedisKeys.IdLength < bytes.Length ? Encoding.ASCII.GetString(bytes, i * RedisKeys.IdLength, Math.Min(RedisKeys.IdLength, bytes.Length - (i * RedisKeys.IdLength))) : "");
            }

            sequence += count;
        }

        return ids;
    }

    private int Shard(string requestId) =>
        keys.TryShardOfRequest(requestId, out var shard) ? shard : throw new ArgumentException($"'{requestId}' is not a request id", nameof(requestId));

    private int ShardOfWindowId(string windowId) =>
        keys.ShardOfWindow(RedisKeys.DepartmentOfWindow(windowId), windowId[(windowId.IndexOf('/', StringComparison.Ordinal) + 1)..]);
}
