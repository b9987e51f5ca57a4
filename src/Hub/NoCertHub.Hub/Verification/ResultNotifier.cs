using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.V1;
using StackExchange.Redis;

namespace NoCertHub.Hub.Verification;

/// <summary>
/// Tells waiting Verify calls and Watch streams that a result was recorded. Results themselves
/// always come from the request store; this only wakes readers, here and, through Redis pub/sub,
/// on every other hub sharing the Redis. Announcements to other hubs go out in batches: one
/// message names every result recorded while the previous message was on its way (one PUBLISH
/// per result cost the hub about 40 µs of CPU per request, measured with the load harness).
/// </summary>
internal sealed class ResultNotifier : IHostedService, IDisposable
{
    // Keeps one message well under Redis's limits and the subscribers' parse short.
    private const int MaxPerMessage = 512;

    private readonly ConcurrentDictionary<string, TaskCompletionSource<VerificationResult>> _waiters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _watchers = new(StringComparer.Ordinal);
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly IRequestStore _store;
    private readonly string _instance;
    private readonly ILogger<ResultNotifier> _logger;
    private readonly Channel<(string WindowId, string RequestId)> _outgoing =
        Channel.CreateUnbounded<(string, string)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly CancellationTokenSource _stopping = new();
    private Task _publisher = Task.CompletedTask;

    public ResultNotifier(IConnectionMultiplexer redis, RedisKeys keys, IRequestStore store, IOptions<HubOptions> options, ILogger<ResultNotifier> logger)
    {
        _redis = redis;
        _keys = keys;
        _store = store;
        _instance = options.Value.InstanceId;
        _logger = logger;
    }

    /// <summary>A task that completes with the request's result once it is recorded.</summary>
    public Task<VerificationResult> WaitForResult(string requestId) =>
        _waiters.GetOrAdd(requestId, static _ => new TaskCompletionSource<VerificationResult>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void StopWaiting(string requestId) => _waiters.TryRemove(requestId, out _);

    /// <summary>A task that completes at the next result recorded for the window; take it before reading.</summary>
    public Task NextChange(string windowId) =>
        _windows.GetOrAdd(windowId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>
    /// Marks <paramref name="windowId"/> as watched for as long as the lease lives: when its last
    /// watcher goes, its wake-up entry goes too, so streams that end (or windows that never get a
    /// result) leave nothing behind.
    /// </summary>
    public IDisposable Watching(string windowId)
    {
        _watchers.AddOrUpdate(windowId, 1, static (_, n) => n + 1);
        return new WatchLease(this, windowId);
    }

    /// <summary>Windows with a wake-up entry now (for tests and the gauge of what the hub holds).</summary>
    internal int WakeUpEntries => _windows.Count;

    public void Published(string windowId, VerificationResult result)
    {
        WakeLocal(windowId, result.RequestId, result);
        _outgoing.Writer.TryWrite((windowId, result.RequestId));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _redis.GetSubscriber().SubscribeAsync(_keys.ResultsChannel, (_, message) => OnRemote((string?)message));
        _publisher = PublishAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Announce what is queued, then stop.
        _outgoing.Writer.TryComplete();
        await _publisher.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stopping.CancelAsync();
        await _redis.GetSubscriber().UnsubscribeAsync(_keys.ResultsChannel);
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// One message per batch: the sending hub's instance, then a line "window|request" per result
    /// (window and department names are identifiers and contain neither '|' nor line breaks).
    /// </summary>
    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        var reader = _outgoing.Reader;
        var message = new StringBuilder();
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                message.Clear().Append(_instance);
                var count = 0;
                while (count < MaxPerMessage && reader.TryRead(out var entry))
                {
                    message.Append('\n').Append(entry.WindowId).Append('|').Append(entry.RequestId);
                    count++;
                }

                try
                {
                    await _redis.GetSubscriber().PublishAsync(_keys.ResultsChannel, message.ToString());
                }
                catch (Exception e) when (e is RedisException or ObjectDisposedException)
                {
                    // A hint only: the results are in the store; other hubs' watchers poll for them.
                    VerificationLog.PublishFailed(_logger, count, e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void Unwatch(string windowId)
    {
        if (_watchers.AddOrUpdate(windowId, 0, static (_, n) => n - 1) <= 0 && _watchers.TryRemove(KeyValuePair.Create(windowId, 0)))
        {
            // No watcher left: nobody waits on the entry. (One that opened meanwhile takes a new entry, or finds
            // its wake-up gone and re-reads within its poll.)
            _windows.TryRemove(windowId, out _);
        }
    }

    private sealed class WatchLease(ResultNotifier notifier, string windowId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                notifier.Unwatch(windowId);
            }
        }
    }

    private void OnRemote(string? message)
    {
        // Every hub hears its own announcements too: those are recognised by their first line
        // before anything is split or allocated (a message names up to 512 results).
        var first = message?.IndexOf('\n') ?? -1;
        if (first < 0 || message.AsSpan(0, first).SequenceEqual(_instance))
        {
            return;
        }

        var lines = message.AsSpan(first + 1);
        foreach (var line in lines.Split('\n'))
        {
            var entry = lines[line];
            var bar = entry.LastIndexOf('|');
            if (bar > 0)
            {
                WakeLocal(entry[..bar].ToString(), entry[(bar + 1)..].ToString(), result: null);
            }
        }
    }

    private void WakeLocal(string windowId, string requestId, VerificationResult? result)
    {
        if (_windows.TryRemove(windowId, out var change))
        {
            change.TrySetResult();
        }

        if (_waiters.TryRemove(requestId, out var waiter))
        {
            if (result is not null)
            {
                waiter.TrySetResult(result);
            }
            else
            {
                _ = CompleteFromStoreAsync(requestId, waiter);
            }
        }
    }

    private async Task CompleteFromStoreAsync(string requestId, TaskCompletionSource<VerificationResult> waiter)
    {
        try
        {
            var stored = await _store.GetAsync(requestId, CancellationToken.None);
            if (stored?.Result is { } result)
            {
                waiter.TrySetResult(result);
            }
        }
        catch (RedisException e)
        {
            waiter.TrySetException(e);
        }
    }
}
