using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Hosting;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.V1;
using StackExchange.Redis;

namespace NoCertHub.Hub.Verification;

/// <summary>
/// Tells waiting Verify calls and Watch streams that a result was recorded. Results themselves
/// always come from the request store; this only wakes readers, here and, through Redis pub/sub,
/// on every other hub sharing the Redis.
/// </summary>
internal sealed class ResultNotifier : IHostedService
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<VerificationResult>> _waiters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _windows = new(StringComparer.Ordinal);
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly IRequestStore _store;
    private readonly string _instance;

    public ResultNotifier(IConnectionMultiplexer redis, RedisKeys keys, IRequestStore store, IOptions<HubOptions> options)
    {
        _redis = redis;
        _keys = keys;
        _store = store;
        _instance = options.Value.InstanceId;
    }

    /// <summary>A task that completes with the request's result once it is recorded.</summary>
    public Task<VerificationResult> WaitForResult(string requestId) =>
        _waiters.GetOrAdd(requestId, static _ => new TaskCompletionSource<VerificationResult>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void StopWaiting(string requestId) => _waiters.TryRemove(requestId, out _);

    /// <summary>A task that completes at the next result recorded for the window; take it before reading.</summary>
    public Task NextChange(string windowId) =>
        _windows.GetOrAdd(windowId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Published(string windowId, VerificationResult result)
    {
        WakeLocal(windowId, result.RequestId, result);
        _redis.GetSubscriber().Publish(_keys.ResultsChannel, $"{_instance}|{windowId}|{result.RequestId}", CommandFlags.FireAndForget);
    }

    public Task StartAsync(CancellationToken cancellationToken) =>
        _redis.GetSubscriber().SubscribeAsync(_keys.ResultsChannel, (_, message) => OnRemote((string?)message));

    public Task StopAsync(CancellationToken cancellationToken) =>
        _redis.GetSubscriber().UnsubscribeAsync(_keys.ResultsChannel);

    private void OnRemote(string? message)
    {
        var parts = message?.Split('|');
        if (parts is not { Length: 3 } || parts[0] == _instance)
        {
            return;
        }

        WakeLocal(parts[1], parts[2], result: null);
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
