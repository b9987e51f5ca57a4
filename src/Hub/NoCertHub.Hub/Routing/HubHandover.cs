using Microsoft.Extensions.Options;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using StackExchange.Redis;

namespace NoCertHub.Hub.Routing;

/// <summary>
/// Several hubs, one set of agents: a window may ask one hub while the department's agents are
/// connected to another. Each hub publishes which departments' items its agents answer (a set in
/// Redis that expires with its lease); a request waiting here for an item no agent here answers is
/// handed to a hub whose agents do: its id goes into that hub's inbox, and the receiving hub takes
/// ownership of the request in the store (compare-and-set on the owner, as a dead hub's requests
/// are adopted) before routing it. A request in transit is always either in an inbox or owned by
/// the hub that routes it; the inbox of a hub that dies is claimed whole by one live hub.
/// </summary>
internal sealed class HubHandover : BackgroundService
{
    private static readonly RedisScript Push = LuaScripts.Load("handover.lua");
    private static readonly RedisScript Claim = LuaScripts.Load("claim.lua");
    private const int Batch = 500;
    private const string ItemsChanged = "items";
    private const string InboxPrefix = "inbox ";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly IRequestStore _store;
    private readonly Dispatcher _dispatcher;
    private readonly ICatalog _catalog;
    private readonly string _self;
    private readonly TimeProvider _time;
    private readonly HubOptions _options;
    private readonly ILogger<HubHandover> _logger;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _draining = new(1, 1);
    private volatile Dictionary<string, string[]> _elsewhere = new(StringComparer.Ordinal);
    private int _itemsChanged = 1;
    private int _directoryStale = 1;
    private int _inbox = 1;
    private int _unserved;
    private int _next;

    public HubHandover(
        IConnectionMultiplexer redis, RedisKeys keys, IRequestStore store, Dispatcher dispatcher, ICatalog catalog,
        HubIncarnation incarnation, TimeProvider time, IOptions<HubOptions> options, ILogger<HubHandover> logger)
    {
        _redis = redis;
        _keys = keys;
        _store = store;
        _dispatcher = dispatcher;
        _catalog = catalog;
        _self = incarnation.Id;
        _time = time;
        _options = options.Value;
        _logger = logger;
        dispatcher.Unserved += () => Signal(ref _unserved);
        dispatcher.AgentsChanged += () => Signal(ref _itemsChanged);
    }

    /// <summary>Requests handed to other hubs, and taken from inboxes, since start.</summary>
    public long HandedOver { get; private set; }

    public long Received { get; private set; }

    private IDatabase Db => _redis.GetDatabase();

    /// <summary>
    /// Takes over the inbox of <paramref name="deadHub"/> (its lease gone): every request in it is
    /// routed here. Called by <see cref="OrphanRecovery"/> before the dead hub leaves the registry.
    /// </summary>
    public async Task<int> ClaimInboxOfAsync(string deadHub, CancellationToken cancellationToken)
    {
        var moved = (long)await Db.EvaluateAsync(Claim, [_keys.HubLease(deadHub), _keys.HubInbox(deadHub), _keys.HubInbox(_self)], []).WaitAsync(cancellationToken);
        return moved <= 0 ? 0 : await DrainInboxAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = _redis.GetSubscriber();
        await SubscribeAsync(subscriber, stoppingToken);
        var period = _options.LeaseTtl / 3;
        var nextRound = _time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            var round = _time.GetUtcNow() >= nextRound;
            if (round)
            {
                nextRound = _time.GetUtcNow() + period;
            }

            try
            {
                await RunOnceAsync(round, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException or TimeoutException)
            {
                RoutingLog.HandoverFailed(_logger, e);
                // Everything again at the next round; the requests taken stay queued here meanwhile.
                _itemsChanged = _directoryStale = _inbox = 1;
                nextRound = _time.GetUtcNow() + TimeSpan.FromSeconds(1);
            }

            var wait = nextRound - _time.GetUtcNow();
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await _wake.WaitAsync(wait, stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await subscriber.UnsubscribeAsync(_keys.HandoverChannel);
    }

    /// <summary>One pass: announce what this hub's agents answer, learn what the others' answer, take this hub's inbox, hand over what no agent here answers.</summary>
    internal async Task RunOnceAsync(bool fullRound, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _itemsChanged, 0) == 1 | fullRound)
        {
            await AnnounceItemsAsync(cancellationToken);
        }

        var refreshed = false;
        if (Interlocked.Exchange(ref _directoryStale, 0) == 1 | fullRound)
        {
            await RefreshDirectoryAsync(cancellationToken);
            refreshed = true;
        }

        if (Interlocked.Exchange(ref _inbox, 0) == 1 | fullRound)
        {
            await DrainInboxAsync(cancellationToken);
        }

        if (Interlocked.Exchange(ref _unserved, 0) == 1 | refreshed)
        {
            await HandOverAsync(cancellationToken);
        }
    }

    private async Task SubscribeAsync(ISubscriber subscriber, CancellationToken cancellationToken)
    {
        var inbox = InboxPrefix + _self;
        await subscriber.SubscribeAsync(_keys.HandoverChannel, (_, message) =>
        {
            var text = (string?)message;
            if (text == ItemsChanged)
            {
                Signal(ref _directoryStale);
            }
            else if (text == inbox)
            {
                Signal(ref _inbox);
            }
        }).WaitAsync(cancellationToken);
    }

    private void Signal(ref int flag)
    {
        if (Interlocked.Exchange(ref flag, 1) == 0)
        {
            _wake.Release();
        }
    }

    private async Task AnnounceItemsAsync(CancellationToken cancellationToken)
    {
        var served = _dispatcher.ServedItems().Select(s => (RedisValue)(s.Department + "/" + s.ItemCode)).ToArray();
        var key = _keys.HubItems(_self);
        var db = Db;
        var before = (await db.SetMembersAsync(key).WaitAsync(cancellationToken)).Select(v => (string)v!).ToHashSet(StringComparer.Ordinal);
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(key);
        if (served.Length > 0)
        {
            _ = transaction.SetAddAsync(key, served);
            _ = transaction.KeyExpireAsync(key, _options.LeaseTtl);
        }

        await transaction.ExecuteAsync().WaitAsync(cancellationToken);
        if (!before.SetEquals(served.Select(v => (string)v!)))
        {
            await db.PublishAsync(_keys.HandoverChannel, ItemsChanged).WaitAsync(cancellationToken);
        }
    }

    private async Task RefreshDirectoryAsync(CancellationToken cancellationToken)
    {
        var db = Db;
        var hubs = (await db.SetMembersAsync(_keys.Hubs).WaitAsync(cancellationToken)).Select(m => (string)m!).Where(m => m != _self).ToList();
        var items = await Task.WhenAll(hubs.Select(h => db.SetMembersAsync(_keys.HubItems(h)))).WaitAsync(cancellationToken);
        _elsewhere = hubs.Zip(items)
            .SelectMany(pair => pair.Second.Select(item => (Item: (string)item!, Hub: pair.First)))
            .GroupBy(p => p.Item, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Hub).ToArray(), StringComparer.Ordinal);
    }

    private async Task HandOverAsync(CancellationToken cancellationToken)
    {
        var elsewhere = _elsewhere;
        if (elsewhere.Count == 0)
        {
            return;
        }

        var tasks = _dispatcher.TakeUnserved((department, item) => elsewhere.ContainsKey(department + "/" + item));
        foreach (var group in tasks.GroupBy(t => Pick(elsewhere[t.Department + "/" + t.ItemCode])))
        {
            var batch = group.ToList();
            var handed = 0;
            try
            {
                // The receiving hub takes the request over in the store: a Verify's held-back acceptance is written first.
                await Task.WhenAll(batch.Select(t => t.Pending?.RecordAsync(_store) ?? Task.CompletedTask)).WaitAsync(cancellationToken);
                for (; handed < batch.Count; handed += Batch)
                {
                    var entries = batch.Skip(handed).Take(Batch).Select(t => (RedisValue)(t.RequestId + "\n" + _self)).ToArray();
                    if ((long)await Db.EvaluateAsync(Push, [_keys.HubLease(group.Key), _keys.HubInbox(group.Key)], entries).WaitAsync(cancellationToken) == 0)
                    {
                        // That hub is gone: keep the rest here until the directory says where to.
                        Signal(ref _directoryStale);
                        break;
                    }
                }

                if (handed > 0)
                {
                    await Db.PublishAsync(_keys.HandoverChannel, InboxPrefix + group.Key).WaitAsync(cancellationToken);
                }
            }
            finally
            {
                HandedOver += Math.Min(handed, batch.Count);
                // Whatever was not handed stays this hub's, queued again.
                batch.Skip(handed).ToList().ForEach(_dispatcher.Enqueue);
            }

            var count = Math.Min(handed, batch.Count);
            if (count > 0)
            {
                RoutingLog.HandedOver(_logger, count, group.Key);
            }
        }
    }

    private string Pick(string[] hubs) => hubs[(int)((uint)Interlocked.Increment(ref _next) % (uint)hubs.Length)];

    /// <summary>Routes here every request in this hub's inbox that is still where it was handed from.</summary>
    private async Task<int> DrainInboxAsync(CancellationToken cancellationToken)
    {
        // One drain at a time: two would read the same entries and each trim as many.
        await _draining.WaitAsync(cancellationToken);
        try
        {
            return await DrainAsync(cancellationToken);
        }
        finally
        {
            _draining.Release();
        }
    }

    private async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var db = Db;
        var inbox = _keys.HubInbox(_self);
        var routed = 0;
        while (true)
        {
            var entries = await db.ListRangeAsync(inbox, 0, Batch - 1).WaitAsync(cancellationToken);
            if (entries.Length == 0)
            {
                return routed;
            }

            foreach (var entry in entries)
            {
                var text = (string)entry!;
                var split = text.IndexOf('\n', StringComparison.Ordinal);
                // Taken only from the hub that handed it over: if that hub died meanwhile and another adopted it, it is not taken twice.
                if (split > 0 && await _store.AdoptAsync(text[..split], text[(split + 1)..], cancellationToken) is { } request)
                {
                    _dispatcher.Enqueue(RoutedTask.For(request, _catalog));
                    routed++;
                }
            }

            // Entries are appended at the tail: trimming the ones read keeps any that arrived since.
            await db.ListTrimAsync(inbox, entries.Length, -1).WaitAsync(cancellationToken);
            Received += entries.Length;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // No agent here any more: no hub should hand this one anything.
            await Db.KeyDeleteAsync(_keys.HubItems(_self)).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException or TimeoutException)
        {
            RoutingLog.HandoverFailed(_logger, e);
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        _draining.Dispose();
        base.Dispose();
    }
}
