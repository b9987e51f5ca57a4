using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
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
internal sealed class RedisSlaStore(IConnectionMultiplexer redis, RedisKeys keys, IOptions<SlaOptions> options, ICommitBarrier durability)
{
    // The scripts, with what they take and return, are Lua/*.lua beside this file.
    private static readonly RedisScript Fire = LuaScripts.Load("fire.lua");
    private static readonly RedisScript Close = LuaScripts.Load("close.lua");

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
    /// The head of the shard's timer set: what is due at <paramref name="now"/> (at most
    /// <paramref name="batch"/>), and when the next entry falls due.
    /// </summary>
    public async Task<ShardScan> ScanAsync(int shard, DateTimeOffset now, int batch, CancellationToken cancellationToken)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var head = await Db.SortedSetRangeByRankWithScoresAsync(keys.Timers(shard), 0, batch - 1).WaitAsync(cancellationToken);
        var due = new List<string>();
        DateTimeOffset? next = null;
        foreach (var entry in head)
        {
            if (entry.Score > nowMs)
            {
                next = DateTimeOffset.FromUnixTimeMilliseconds((long)entry.Score);
                break;
            }

            due.Add((string)entry.Element!);
        }

        return new ShardScan(shard, due, next, More: due.Count == batch);
    }

    /// <summary>
    /// Fires the next Article 11 event of each request that is due by the server's clock, in one
    /// script: escalations and reminders this call fired; requests another hub fired first, or
    /// not due, are left out.
    /// </summary>
    public async Task<IReadOnlyList<TimerEvent>> FireAsync(int shard, IReadOnlyList<string> requestIds, string hubInstance)
    {
        var scriptKeys = new RedisKey[2 + (3 * requestIds.Count)];
        scriptKeys[0] = keys.Timers(shard);
        scriptKeys[1] = keys.OpenEscalations(shard);
        var args = new RedisValue[1 + requestIds.Count];
        args[0] = hubInstance;
        for (var i = 0; i < requestIds.Count; i++)
        {
            scriptKeys[2 + (3 * i)] = keys.Request(shard, requestIds[i]);
            scriptKeys[3 + (3 * i)] = keys.Body(shard, requestIds[i]);
            scriptKeys[4 + (3 * i)] = keys.Escalation(shard, requestIds[i]);
            args[1 + i] = requestIds[i];
        }

        var reply = (RedisResult[])(await Db.EvaluateAsync(Fire, scriptKeys, args))!;
        var escalatedAt = DateTimeOffset.FromUnixTimeMilliseconds((long)reply[^1]);
        var events = new List<TimerEvent>();
        for (var i = 0; i < requestIds.Count; i++)
        {
            var one = (RedisResult[])reply[i]!;
            var id = requestIds[i];
            switch ((int)one[0])
            {
                case 1:
                    var (_, receipt) = Requests.RequestBody.Unpack(id, (byte[])one[2]!);
                    events.Add(new TimerEvent(id, receipt, new Escalated(escalatedAt, DateTimeOffset.FromUnixTimeMilliseconds((long)one[1]))));
                    break;
                case 2:
                    events.Add(new TimerEvent(id, Requests.RequestBody.Unpack(id, (byte[])one[1]!).Receipt, Escalation: null));
                    break;
            }
        }

        return events;
    }

    public async Task<CloseOutcome> CloseEscalationAsync(string requestId, string finding, string closedBy, CancellationToken cancellationToken)
    {
        if (!keys.TryShardOfRequest(requestId, out var shard))
        {
            return CloseOutcome.Unknown;
        }

        RedisKey[] scriptKeys = [keys.Escalation(shard, requestId), keys.OpenEscalations(shard), keys.ClosedEscalations(shard)];
        RedisValue[] args = [requestId, finding, closedBy, (long)_options.ClosedEscalationRetention.TotalSeconds];
        var reply = (int)(await Db.EvaluateAsync(Close, scriptKeys, args).WaitAsync(cancellationToken));
        await durability.CommitAsync(cancellationToken);
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
            // A timer never comes after its deadline, so every deadline up to 'until' is among these.
            for (long start = 0; found.Count < limit; start += Chunk)
            {
                var chunk = await db.SortedSetRangeByRankWithScoresAsync(keys.Timers(shard), start, start + Chunk - 1);
                var inRange = chunk.TakeWhile(e => e.Score <= untilMs).Select(e => (string)e.Element!).ToList();
                var records = await Task.WhenAll(inRange.Select(id => db.StringGetAsync(keys.Request(shard, id))));
                var bodies = await Task.WhenAll(inRange.Select(id => db.StringGetAsync(keys.Body(shard, id))));
                for (var i = 0; i < inRange.Count; i++)
                {
                    if (bodies[i].IsNull || !Requests.RequestRecord.TryParse((ReadOnlyMemory<byte>)records[i], out var record) || record.Deadline > untilMs)
                    {
                        continue;
                    }

                    var (request, receipt) = Requests.RequestBody.Unpack(inRange[i], (byte[])bodies[i]!);
                    if (string.IsNullOrEmpty(department) || receipt.OwningDepartment == department)
                    {
                        found.Add(new PendingEntry(receipt, request, record.RequestState == RequestState.Assigned ? RequestState.Assigned : RequestState.Queued));
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
        var strings = Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(shard => db.StringGetAsync(keys.Case(shard, department, caseNumber))));
        var overflow = Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(shard => db.HashGetAllAsync(keys.CaseOverflow(shard, department, caseNumber))));
        await Task.WhenAll(strings, overflow).WaitAsync(cancellationToken);
        var checks = strings.Result.SelectMany(value => CaseCheckEntry.ParseLines(value)).ToList();
        foreach (var entry in overflow.Result.SelectMany(h => h))
        {
            if (CaseCheckEntry.TryParse((string)entry.Name!, (string?)entry.Value, out var check))
            {
                checks.Add(check);
            }
        }

        return checks;
    }

    private static Escalation? ToEscalation(string requestId, HashEntry[] fields, DateTimeOffset now)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        var map = fields.ToDictionary(f => (string)f.Name!, f => f.Value);
        if (!map.TryGetValue("body", out var body))
        {
            return null;
        }

        var (request, receipt) = Requests.RequestBody.Unpack(requestId, (byte[])body!);
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

/// <summary>What one shard's scan found: requests with an event due, and when the next one falls due.</summary>
internal sealed record ShardScan(int Shard, IReadOnlyList<string> Due, DateTimeOffset? NextDue, bool More);

/// <summary>An escalation this caller recorded: when the request was due, and when the server clock escalated it.</summary>
internal sealed record Escalated(DateTimeOffset EscalatedAt, DateTimeOffset Deadline);

/// <summary>A request's Article 11 event that this caller fired: its escalation, or (when <see cref="Escalation"/> is null) its reminder.</summary>
internal sealed record TimerEvent(string RequestId, Receipt Receipt, Escalated? Escalation);

internal sealed record PendingEntry(Receipt Receipt, VerificationRequest Request, RequestState State);

internal enum CloseOutcome
{
    Unknown = 0,
    AlreadyClosed = 1,
    Closed = 2,
}
