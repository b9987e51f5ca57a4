using Google.Protobuf;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Sla;
using NoCertHub.V1;
using StackExchange.Redis;

namespace NoCertHub.Hub.Requests;

internal sealed class RedisRequestStore(IConnectionMultiplexer redis, RedisKeys keys, IOptions<RedisOptions> options, IOptions<SlaOptions> sla, HubIncarnation incarnation, ScriptPipeline scripts) : IRequestStore
{
    // KEYS: request hash, body, timer set, client-id key, case hash. ARGV: id, body, first timer ms
    // (the reminder, or the deadline), deadline ms, reminder pending (1/0), use client id (1/0),
    // client-id ttl seconds, case entry, case ttl seconds, routing hub, officer.
    private const string AcceptScript = """
        if ARGV[6] == '1' then
          local existing = redis.call('GET', KEYS[4])
          if existing then return existing end
          redis.call('SET', KEYS[4], ARGV[1], 'EX', ARGV[7])
        end
        redis.call('SET', KEYS[2], ARGV[2])
        redis.call('HSET', KEYS[1], 'state', 'queued', 'deadline', ARGV[4], 'hub', ARGV[10], 'officer', ARGV[11])
        if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'remind', '1') end
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
        redis.call('HSET', KEYS[5], ARGV[1], ARGV[8])
        redis.call('EXPIRE', KEYS[5], ARGV[9])
        return ARGV[1]
        """;

    // KEYS: request hash, body, timer set, window log, window sequence, escalation hash, case hash.
    // ARGV: id, result, history cap, retention seconds, answered ms, case ttl seconds.
    // Returns {0, seq} completed now, {1, seq} completed before, {2, 0} unknown.
    private const string CompleteScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {2, 0} end
        local prev = redis.call('HGET', KEYS[1], 'seq')
        if prev then return {1, tonumber(prev)} end
        local seq = redis.call('INCR', KEYS[5])
        redis.call('HSET', KEYS[1], 'result', ARGV[2], 'state', 'answered', 'seq', seq)
        redis.call('HDEL', KEYS[1], 'remind')
        redis.call('ZREM', KEYS[3], ARGV[1])
        redis.call('ZADD', KEYS[4], seq, ARGV[2])
        local cap = tonumber(ARGV[3])
        local n = redis.call('ZCARD', KEYS[4])
        if n > cap then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, n - cap - 1) end
        if tonumber(ARGV[4]) > 0 then
          redis.call('EXPIRE', KEYS[1], ARGV[4])
          redis.call('EXPIRE', KEYS[2], ARGV[4])
        end
        if redis.call('EXISTS', KEYS[6]) == 1 then redis.call('HSET', KEYS[6], 'answered', ARGV[5]) end
        local check = redis.call('HGET', KEYS[7], ARGV[1])
        if check then
          redis.call('HSET', KEYS[7], ARGV[1], check .. ARGV[5])
          redis.call('EXPIRE', KEYS[7], ARGV[6])
        end
        return {0, seq}
        """;

    // KEYS: request hash, body. ARGV: previous owner, new owner. Returns {body, officer} when this
    // hub now routes the unanswered request, else nothing.
    private const string AdoptScript = """
        local f = redis.call('HMGET', KEYS[1], 'hub', 'state', 'officer')
        if f[1] ~= ARGV[1] or f[2] == 'answered' then return false end
        local body = redis.call('GET', KEYS[2])
        if not body then return false end
        redis.call('HSET', KEYS[1], 'hub', ARGV[2], 'state', 'queued')
        return {body, f[3] or ''}
        """;

    private const string AssignScript = """
        if redis.call('HGET', KEYS[1], 'state') == 'queued' then redis.call('HSET', KEYS[1], 'state', 'assigned') end
        return 0
        """;

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
        ];
        RedisValue[] args =
        [
            request.RequestId,
            RequestBody.Pack(request.Request, request.Receipt),
            request.RemindAt is { } remindAt ? Math.Min(remindAt.ToUnixTimeMilliseconds(), deadline) : deadline,
            deadline,
            request.RemindAt is null ? "0" : "1",
            useClientId ? "1" : "0",
            (long)_options.IdempotencyWindow.TotalSeconds,
            CaseCheckEntry.Pending(request.Receipt),
            _caseTtlSeconds,
            _instance,
            request.Officer ?? request.Request.Requester.Officer,
        ];
        // The receipt promises the request is tracked: on disk first.
        var result = await scripts.EvaluateAsync(AcceptScript, scriptKeys, args, durable: true, cancellationToken);
        return (string)result!;
    }

    public void MarkAssigned(string requestId)
    {
        var shard = Shard(requestId);
        scripts.Send(AssignScript, [keys.Request(shard, requestId)], []);
    }

    public async Task<CompletionOutcome> CompleteAsync(string windowId, VerificationResult result, CancellationToken cancellationToken)
    {
        var shard = Shard(result.RequestId);
        RedisKey[] scriptKeys =
        [
            keys.Request(shard, result.RequestId),
            keys.Body(shard, result.RequestId),
            keys.Timers(shard),
            keys.WindowLog(shard, windowId),
            keys.WindowSequence(shard, windowId),
            keys.Escalation(shard, result.RequestId),
            keys.Case(shard, RedisKeys.DepartmentOfWindow(windowId), result.CaseNumber),
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
        // The window's history numbers results; one it saw must not be renumbered after a crash.
        var reply = (RedisResult[])(await scripts.EvaluateAsync(CompleteScript, scriptKeys, args, durable: true, cancellationToken))!;
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
        var fieldsTask = db.HashGetAllAsync(keys.Request(shard, requestId));
        var bodyTask = db.StringGetAsync(keys.Body(shard, requestId));
        await Task.WhenAll(fieldsTask, bodyTask).WaitAsync(cancellationToken);
        var fields = fieldsTask.Result;
        if (fields.Length == 0 || bodyTask.Result.IsNull)
        {
            return null;
        }

        var map = fields.ToDictionary(f => (string)f.Name!, f => f.Value);
        var state = (string?)map.GetValueOrDefault("state") switch
        {
            "answered" => RequestState.Answered,
            "assigned" => RequestState.Assigned,
            _ => RequestState.Queued,
        };
        var result = map.TryGetValue("result", out var r) ? VerificationResult.Parser.ParseFrom((byte[])r!) : null;
        var (request, receipt) = RequestBody.Unpack(requestId, (byte[])bodyTask.Result!);
        return new StoredRequest(request, receipt, state, result);
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
                    var fields = await Task.WhenAll(ids.Select(id => db.HashGetAsync(keys.Request(shard, (string)id!), ["hub", "state"])));
                    found.AddRange(ids.Zip(fields)
                        .Where(x => owners.Contains((string?)x.Second[0] ?? "") && (string?)x.Second[1] != "answered")
                        .Select(x => ((string)x.First!, (string)x.Second[0]!)));
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
        var reply = await Db.ScriptEvaluateAsync(AdoptScript, [keys.Request(shard, requestId), keys.Body(shard, requestId)], [previousOwner, _instance]).WaitAsync(cancellationToken);
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
        var entries = await Db.SortedSetRangeByScoreWithScoresAsync(
            keys.WindowLog(shard, windowId), afterSequence, double.PositiveInfinity, Exclude.Start, Order.Ascending, 0, max)
            .WaitAsync(cancellationToken);
        var page = entries.Select(e => new WindowEntry((long)e.Score, VerificationResult.Parser.ParseFrom((byte[])e.Element!))).ToList();
        // Sequences are contiguous, so a gap right after the cursor means trimmed history.
        var truncated = page.Count > 0 && page[0].Sequence > afterSequence + 1;
        return new WindowPage(page, truncated);
    }

    private int Shard(string requestId) =>
        keys.TryShardOfRequest(requestId, out var shard) ? shard : throw new ArgumentException($"'{requestId}' is not a request id", nameof(requestId));

    private int ShardOfWindowId(string windowId) =>
        keys.ShardOfWindow(RedisKeys.DepartmentOfWindow(windowId), windowId[(windowId.IndexOf('/', StringComparison.Ordinal) + 1)..]);
}
