using Microsoft.Extensions.Options;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using StackExchange.Redis;

namespace NoCertHub.Hub.Routing;

/// <summary>
/// Keeps this hub's lease in Redis and takes over the unanswered requests of hubs whose lease is
/// gone (killed, crashed, or stopped): their routing queues lived in memory, the requests live in
/// Redis. Each request is adopted by exactly one hub, and routed again from there.
/// </summary>
internal sealed class OrphanRecovery(
    IConnectionMultiplexer redis,
    RedisKeys keys,
    IRequestStore store,
    Dispatcher dispatcher,
    ICatalog catalog,
    HubHandover handover,
    HubIncarnation incarnation,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<OrphanRecovery> logger) : BackgroundService
{
    private readonly HubOptions _options = options.Value;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>One round: renew this hub's lease, and adopt what hubs without a lease left behind. Returns how many requests were adopted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var db = Db;
        await Task.WhenAll(
            db.StringSetAsync(keys.HubLease(incarnation.Id), _options.InstanceId, _options.LeaseTtl),
            db.SetAddAsync(keys.Hubs, incarnation.Id)).WaitAsync(cancellationToken);

        var members = (await db.SetMembersAsync(keys.Hubs).WaitAsync(cancellationToken)).Select(m => (string)m!).Where(m => m != incarnation.Id).ToList();
        var alive = await Task.WhenAll(members.Select(m => db.KeyExistsAsync(keys.HubLease(m)))).WaitAsync(cancellationToken);
        var dead = members.Where((_, i) => !alive[i]).ToHashSet(StringComparer.Ordinal);
        if (dead.Count == 0)
        {
            return 0;
        }

        var orphans = await store.FindUnansweredOfAsync(dead, cancellationToken);
        var adopted = 0;
        foreach (var (requestId, owner) in orphans)
        {
            if (await store.AdoptAsync(requestId, owner, cancellationToken) is { } request)
            {
                dispatcher.Enqueue(RoutedTask.For(request, catalog));
                adopted++;
            }
        }

        // And what was handed to them and not yet taken: each dead hub's inbox is claimed whole, by one hub.
        foreach (var hub in dead)
        {
            adopted += await handover.ClaimInboxOfAsync(hub, cancellationToken);
        }

        RoutingLog.Adopted(logger, string.Join(", ", dead), incarnation.Id, adopted, orphans.Count);

        // Only after every orphan is safe with a live hub does the dead one leave the registry.
        await db.SetRemoveAsync(keys.Hubs, [.. dead.Select(d => (RedisValue)d)]).WaitAsync(cancellationToken);
        return adopted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = _options.LeaseTtl / 3;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                RoutingLog.LeaseFailed(logger, e);
            }

            try
            {
                await Task.Delay(period, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // Let the other hubs take over at once rather than after the lease runs out.
            await Db.KeyDeleteAsync(keys.HubLease(incarnation.Id)).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException or TimeoutException)
        {
            RoutingLog.LeaseFailed(logger, e);
        }
    }
}
