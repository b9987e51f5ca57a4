using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Redis;
using NoCertHub.V1;
using StackExchange.Redis;

namespace NoCertHub.Hub.Sla;

/// <summary>
/// Article 11's timers in Redis: each shard's pending requests sorted by deadline and by reminder
/// time, escalations for the joint office, and the check times of each case. Claims read the
/// Redis server's clock inside the script, so any number of hubs can sweep the same shards and
/// each due entry is claimed once, whatever the hubs' clocks say.
/// </summary>
internal sealed class RedisSlaStore(IConnectionMultiplexer redis, RedisKeys keys, IOptions<SlaOptions> options)
{
    // Lua numbers print in exponent form past 14 digits; Unix ms have 13, but format them explicitly.
    private const string ServerMillis = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """;

    // KEYS: deadline set, request hash, escalation hash, open escalations. ARGV: id, hub instance.
    // Returns {0} when not due (or already answered or claimed), {1, now ms, deadline ms, receipt}.
    private const string EscalateScript = """
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not score then return {0} end
        """ + "\n" + ServerMillis + "\n" + """
        local deadline = tonumber(score)
        if deadline > now then return {0} end
        redis.call('ZREM', KEYS[1], ARGV[1])
        local f = redis.call('HMGET', KEYS[2], 'request', 'receipt')
        if not f[2] then return {0} end
        redis.call('HSET', KEYS[3], 'request', f[1], 'receipt', f[2], 'escalated', string.format('%.0f', now), 'by', ARGV[2], 'state', 'open')
        redis.call('HSET', KEYS[2], 'escalated', string.format('%.0f', now))
        redis.call('ZADD', KEYS[4], deadline, ARGV[1])
        return {1, now, deadline, f[2]}
        """;

    // KEYS: reminder set, request hash. ARGV: id. Returns {0}, or {1, receipt} once per request.
    private const string RemindScript = """
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not score then return {0} end
        """ + "\n" + ServerMillis + "\n" + """
        if tonumber(score) > now then return {0} end
        redis.call('ZREM', KEYS[1], ARGV[1])
        local receipt = redis.call('HGET', KEYS[2], 'receipt')
        if not receipt then return {0} end
        return {1, receipt}
        """;

    // KEYS: escalation hash, open escalations, closed escalations. ARGV: id, finding, closed by,
    // retention seconds. Returns 0 unknown, 1 closed before, 2 closed now.
    private const string CloseScript = """
        local state = redis.call('HGET', KEYS[1], 'state')
        if not state then return 0 end
        if state == 'closed' then return 1 end
        """ + "\n" + ServerMillis + "\n" + """
        redis.call('HSET', KEYS[1], 'state', 'closed', 'finding', ARGV[2], 'closed_by', ARGV[3], 'closed', string.format('%.0f', now))
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('ZADD', KEYS[3], now, ARGV[1])
        redis.call('EXPIRE', KEYS[1], ARGV[4])
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]) * 1000)
        return 2
        """;

    private readonly SlaOptions _options = options.Value;

    private IDatabase Db => redis.GetDatabase();

    public async Task<DateTimeOffset> ServerNowAsync(CancellationToken cancellationToken)
    {
        var reply = (RedisResult[])(await Db.ExecuteAsync("TIME").WaitAsync(cancellationToken))!;
        var seconds = long.Parse((string)reply[0]!, CultureInfo.InvariantCulture);
        var micros = long.Parse((string)reply[1]!, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeMilliseconds((seconds * 1000) + (micros / 1000));
    }

    /// <summary>
    /// The head of the shard's deadline and reminder sets: what is due at <paramref name="now"/>
    /// (at most <paramref name="batch"/> of each), and when the next entry falls due.
    /// </summary>
    public async Task<ShardScan> ScanAsync(int shard, DateTimeOffset now, int batch, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var deadlines = Db.SortedSetRangeByRankWithScoresAsync(keys.Deadlines(shard), 0, batch - 1);
        var reminders = Db.SortedSetRangeByRankWithScoresAsync(keys.Reminders(shard), 0, batch - 1);
        await Task.WhenAll(deadlines, reminders).WaitAsync(cancellationToken);
        var dueDeadlines = Due(deadlines.Result, nowMs, batch, out var nextDeadline, out var moreDeadlines);
        var dueReminders = Due(reminders.Result, nowMs, batch, out var nextReminder, out var moreReminders);
        long? next = (nextDeadline, nextReminder) switch
        {
            (null, var r) => r,
            (var d, null) => d,
            (var d, var r) => Math.Min(d.Value, r.Value),
        };
        return new ShardScan(shard, dueDeadlines, dueReminders, next is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, moreDeadlines || moreReminders);
    }

    /// <summary>Escalates one request if it is still pending and past its deadline by the server's clock; null otherwise.</summary>
    public async Task<Escalated?> EscalateAsync(int shard, string requestId, string hubInstance)
    {
        RedisKey[] scriptKeys = [keys.Deadlines(shard), keys.Request(shard, requestId), keys.Escalation(shard, requestId), keys.OpenEscalations(shard)];
        var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(EscalateScript, scriptKeys, [requestId, hubInstance]))!;
        if ((int)reply[0] != 1)
        {
            return null;
        }

        return new Escalated(
            requestId,
            Receipt.Parser.ParseFrom((byte[])reply[3]!),
            DateTimeOffset.FromUnixTimeMilliseconds((long)reply[1]),
            DateTimeOffset.FromUnixTimeMilliseconds((long)reply[2]));
    }

    /// <summary>Takes one request's reminder if it is due by the server's clock; its receipt, or null.</summary>
    public async Task<Receipt?> RemindAsync(int shard, string requestId)
    {
        RedisKey[] scriptKeys = [keys.Reminders(shard), keys.Request(shard, requestId)];
        var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(RemindScript, scriptKeys, [requestId]))!;
        return (int)reply[0] == 1 ? Receipt.Parser.ParseFrom((byte[])reply[1]!) : null;
    }

    public async Task<CloseOutcome> CloseEscalationAsync(string requestId, string finding, string closedBy, CancellationToken cancellationToken)
    {
        if (!keys.TryShardOfRequest(requestId, out var shard))
        {
            return CloseOutcome.Unknown;
        }

        RedisKey[] scriptKeys = [keys.Escalation(shard, requestId), keys.OpenEscalations(shard), keys.ClosedEscalations(shard)];
        RedisValue[] args = [requestId, finding, closedBy, (long)_options.ClosedEscalationRetention.TotalSeconds];
        var reply = (int)(await Db.ScriptEvaluateAsync(CloseScript, scriptKeys, args).WaitAsync(cancellationToken));
        return (CloseOutcome)reply;
    }

    public async Task<Escalation?> GetEscalationAsync(string requestId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!keys.TryShardOfRequest(requestId, out var shard))
        {
            return null;
        }

        var fields = await Db.HashGetAllAsync(keys.Escalation(shard, requestId)).WaitAsync(cancellationToken);
        return ToEscalation(requestId, fields, now);
    }

    /// <summary>Every open escalation (and closed ones if asked), oldest deadline first.</summary>
    public async Task<IReadOnlyList<Escalation>> ListEscalationsAsync(bool includeClosed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var db = Db;
        var ids = await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(async shard =>
        {
            var open = await db.SortedSetRangeByRankAsync(keys.OpenEscalations(shard));
            var closed = includeClosed ? await db.SortedSetRangeByRankAsync(keys.ClosedEscalations(shard)) : [];
            return open.Concat(closed).Select(id => (Shard: shard, Id: (string)id!)).ToList();
        })).WaitAsync(cancellationToken);
        var all = ids.SelectMany(x => x).ToList();
        var hashes = await Task.WhenAll(all.Select(x => db.HashGetAllAsync(keys.Escalation(x.Shard, x.Id)))).WaitAsync(cancellationToken);
        return all.Zip(hashes, (x, fields) => ToEscalation(x.Id, fields, now))
            .OfType<Escalation>()
            .OrderBy(e => e.Deadline.ToDateTimeOffset())
            .ToList();
    }

    /// <summary>
    /// Unanswered requests whose deadline is at or before <paramref name="until"/>, soonest first,
    /// optionally of one owning department; at most <paramref name="limit"/>.
    /// </summary>
    public async Task<IReadOnlyList<PendingEntry>> ListPendingUntilAsync(DateTimeOffset until, string? department, int limit, CancellationToken cancellationToken)
    {
        const int Chunk = 256;
        var untilMs = until.ToUnixTimeMilliseconds();
        var db = Db;
        var perShard = await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(async shard =>
        {
            var found = new List<PendingEntry>();
            for (long start = 0; found.Count < limit; start += Chunk)
            {
                var chunk = await db.SortedSetRangeByRankWithScoresAsync(keys.Deadlines(shard), start, start + Chunk - 1);
                var inRange = chunk.TakeWhile(e => e.Score <= untilMs).ToList();
                var fields = await Task.WhenAll(inRange.Select(e => db.HashGetAsync(keys.Request(shard, (string)e.Element!), ["request", "receipt", "state"])));
                foreach (var f in fields.Where(f => !f[1].IsNull))
                {
                    var receipt = Receipt.Parser.ParseFrom((byte[])f[1]!);
                    if (string.IsNullOrEmpty(department) || receipt.OwningDepartment == department)
                    {
                        found.Add(new PendingEntry(receipt, VerificationRequest.Parser.ParseFrom((byte[])f[0]!), (string?)f[2] == "assigned" ? RequestState.Assigned : RequestState.Queued));
                    }
                }

                if (inRange.Count < chunk.Length || chunk.Length < Chunk)
                {
                    break;
                }
            }

            return found;
        })).WaitAsync(cancellationToken);
        return perShard.SelectMany(x => x).OrderBy(p => p.Receipt.Deadline.ToDateTimeOffset()).Take(limit).ToList();
    }

    /// <summary>Every check one requesting department made for one case, from all of its windows.</summary>
    public async Task<IReadOnlyList<CaseCheckEntry>> CaseChecksAsync(string department, string caseNumber, CancellationToken cancellationToken)
    {
        var db = Db;
        var hashes = await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(shard => db.HashGetAllAsync(keys.Case(shard, department, caseNumber))))
            .WaitAsync(cancellationToken);
        var checks = new List<CaseCheckEntry>();
        foreach (var entry in hashes.SelectMany(h => h))
        {
            if (CaseCheckEntry.TryParse((string)entry.Name!, (string?)entry.Value, out var check))
            {
                checks.Add(check);
            }
        }

        return checks;
    }

    private static List<string> Due(SortedSetEntry[] head, long nowMs, int batch, out long? next, out bool more)
    {
        var due = new List<string>();
        next = null;
        foreach (var entry in head)
        {
            if (entry.Score <= nowMs)
            {
                due.Add((string)entry.Element!);
            }
            else
            {
                next = (long)entry.Score;
                break;
            }
        }

        more = due.Count == batch;
        return due;
    }

    private static Escalation? ToEscalation(string requestId, HashEntry[] fields, DateTimeOffset now)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        var map = fields.ToDictionary(f => (string)f.Name!, f => f.Value);
        if (!map.TryGetValue("receipt", out var receiptBytes) || !map.TryGetValue("request", out var requestBytes))
        {
            return null;
        }

        var receipt = Receipt.Parser.ParseFrom((byte[])receiptBytes!);
        var request = VerificationRequest.Parser.ParseFrom((byte[])requestBytes!);
        var deadline = receipt.Deadline.ToDateTimeOffset();
        var answered = Millis(map, "answered");
        var escalation = new Escalation
        {
            RequestId = requestId,
            ItemCode = receipt.ItemCode,
            DepartmentAtFault = receipt.OwningDepartment,
            SlaClass = receipt.SlaClass,
            RequesterDepartment = request.Requester.Department,
            RequesterWindow = request.Requester.Window,
            CaseNumber = request.CaseNumber,
            AcceptedAt = receipt.AcceptedAt,
            Deadline = receipt.Deadline,
            EscalatedAt = Timestamp.FromDateTimeOffset(Millis(map, "escalated") ?? deadline),
            State = (string?)map.GetValueOrDefault("state") == "closed" ? EscalationState.Closed : EscalationState.Open,
            OverdueBy = Duration.FromTimeSpan((answered ?? now) - deadline),
            Finding = (string?)map.GetValueOrDefault("finding") ?? "",
            ClosedBy = (string?)map.GetValueOrDefault("closed_by") ?? "",
        };
        if (answered is { } a)
        {
            escalation.AnsweredAt = Timestamp.FromDateTimeOffset(a);
        }

        if (Millis(map, "closed") is { } closed)
        {
            escalation.ClosedAt = Timestamp.FromDateTimeOffset(closed);
        }

        return escalation;
    }

    private static DateTimeOffset? Millis(Dictionary<string, RedisValue> map, string field) =>
        map.TryGetValue(field, out var value) && long.TryParse((string?)value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
}

/// <summary>What one shard's sweep found: due entries, and when the next one falls due.</summary>
internal sealed record ShardScan(int Shard, IReadOnlyList<string> DueDeadlines, IReadOnlyList<string> DueReminders, DateTimeOffset? NextDue, bool More);

/// <summary>An escalation this caller recorded: the request, when it was due and when the server clock escalated it.</summary>
internal sealed record Escalated(string RequestId, Receipt Receipt, DateTimeOffset EscalatedAt, DateTimeOffset Deadline);

internal sealed record PendingEntry(Receipt Receipt, VerificationRequest Request, RequestState State);

internal enum CloseOutcome
{
    Unknown = 0,
    AlreadyClosed = 1,
    Closed = 2,
}
