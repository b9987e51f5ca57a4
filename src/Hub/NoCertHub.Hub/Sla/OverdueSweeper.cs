using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using StackExchange.Redis;

namespace NoCertHub.Hub.Sla;

/// <summary>
/// Finds requests past their Article 11 deadline and escalates them, and reminds departments
/// before it. Sleeps until the next entry falls due (never longer than
/// <see cref="SlaOptions.SweepMaxSleep"/>), and is woken when a request with an earlier time is
/// accepted here. Every hub runs one; the claim scripts make sure each entry is handled once.
/// </summary>
internal sealed class OverdueSweeper(
    RedisSlaStore store,
    RedisKeys keys,
    ReminderRelay reminders,
    SlaMetrics metrics,
    TimeProvider time,
    IOptions<SlaOptions> options,
    IOptions<HubOptions> hub,
    ILogger<OverdueSweeper> logger) : BackgroundService
{
    // Requests fired by one script: large enough to save round trips, small enough that one
    // script does not hold the server long.
    private const int FireBatch = 100;

    private readonly SlaOptions _options = options.Value;
    private readonly string _instance = hub.Value.InstanceId;
    private readonly Lock _gate = new();
    private long _earliestNotifiedMs = long.MaxValue;
    private long _plannedWakeMs = long.MaxValue;
    private CancellationTokenSource? _sleep;

    /// <summary>Tells the sweeper something falls due at <paramref name="due"/> (hub clock); wakes it if that is before its planned wake-up.</summary>
    public void Notify(DateTimeOffset due)
    {
        var dueMs = due.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            _earliestNotifiedMs = Math.Min(_earliestNotifiedMs, dueMs);
            if (dueMs < _plannedWakeMs)
            {
                _sleep?.Cancel();
            }
        }
    }

    /// <summary>One pass over every shard: escalates what is overdue and sends due reminders, by the Redis server's clock.</summary>
    public async Task<SweepOutcome> SweepAsync(string trigger, CancellationToken cancellationToken)
    {
        metrics.Swept(trigger);
        var now = await store.ServerNowAsync(cancellationToken);
        var scans = await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(s => store.ScanAsync(s, now, _options.SweepBatch, cancellationToken)));
        var firing = scans.SelectMany(s => s.Due.Chunk(FireBatch).Select(ids => store.FireAsync(s.Shard, ids, _instance)));
        var fired = (await Task.WhenAll(firing)).SelectMany(e => e).ToList();
        var escalated = 0;
        var reminded = 0;
        foreach (var e in fired)
        {
            if (e.Escalation is { } escalation)
            {
                escalated++;
                metrics.Escalated(e.Receipt.OwningDepartment, escalation.EscalatedAt - escalation.Deadline);
                SlaLog.Escalated(logger, e.RequestId, e.Receipt.OwningDepartment, e.Receipt.ItemCode, escalation.Deadline, escalation.EscalatedAt - escalation.Deadline);
            }
            else
            {
                reminded++;
                metrics.Reminded(e.Receipt.OwningDepartment);
                await reminders.PublishAsync(e.Receipt);
            }
        }

        // A reminder moved its timer on to the deadline, which may come before anything the scan saw.
        var next = scans.Select(s => s.NextDue)
            .Concat(fired.Where(e => e.Escalation is null).Select(e => (DateTimeOffset?)e.Receipt.Deadline.ToDateTimeOffset()))
            .OfType<DateTimeOffset>().DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        return new SweepOutcome(escalated, reminded, now, next == DateTimeOffset.MaxValue ? null : next, scans.Any(s => s.More));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            lock (_gate)
            {
                _earliestNotifiedMs = long.MaxValue;
            }

            TimeSpan delay;
            try
            {
                var outcome = await SweepAsync("loop", stoppingToken);
                delay = outcome.More ? TimeSpan.Zero
                    : outcome.NextDue is { } next ? Clamp(next - outcome.ServerNow)
                    : _options.SweepMaxSleep;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                SlaLog.SweepFailed(logger, e);
                delay = TimeSpan.FromSeconds(1);
            }

            await SleepAsync(delay, stoppingToken);
        }
    }

    private async Task SleepAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        CancellationTokenSource sleep;
        lock (_gate)
        {
            var localNow = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (_earliestNotifiedMs != long.MaxValue)
            {
                delay = Clamp(TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds, _earliestNotifiedMs - localNow)));
            }

            if (delay <= TimeSpan.Zero)
            {
                return;
            }

            _plannedWakeMs = localNow + (long)delay.TotalMilliseconds;
            sleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _sleep = sleep;
        }

        try
        {
            await Task.Delay(delay, time, sleep.Token);
        }
        catch (OperationCanceledException)
        {
            // Woken early by an earlier deadline, or stopping.
        }
        finally
        {
            lock (_gate)
            {
                _plannedWakeMs = long.MaxValue;
                _sleep = null;
            }

            sleep.Dispose();
        }
    }

    private TimeSpan Clamp(TimeSpan delay) =>
        delay < TimeSpan.Zero ? TimeSpan.Zero : delay > _options.SweepMaxSleep ? _options.SweepMaxSleep : delay;
}

/// <summary>What one sweep did, by the server clock, and when the next entry falls due (null: nothing pending).</summary>
internal sealed record SweepOutcome(int Escalated, int Reminded, DateTimeOffset ServerNow, DateTimeOffset? NextDue, bool More);
