using System.Collections.Concurrent;
using System.Globalization;
using NoCertHub.Sdk;
using NoCertHub.V1;

namespace NoCertHub.LoadTests;

/// <summary>
/// The streamed mode: a fixed number of windows, each with its own Watch stream open; a call is a
/// Submit from one of them and the wait for that request's result to arrive on the window's
/// stream. Callers beyond the number of windows share them, as the officers of one service
/// counter would (so the maximum can be taken at 4 and 16 times the callers without opening as
/// many streams).
/// </summary>
internal sealed class SubmitWatch : IAsyncDisposable
{
    private readonly NoCertHubClient _client;
    private readonly Func<long, int, VerificationRequest> _request;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];
    private volatile Exception? _watchFailure;

    private SubmitWatch(NoCertHubClient client, Func<long, int, VerificationRequest> request) => (_client, _request) = (client, request);

    /// <summary>Opens <paramref name="windows"/> Watch streams; calls send the same requests as Verify's callers (<paramref name="request"/>), from those windows.</summary>
    public static Task<SubmitWatch> StartAsync(NoCertHubClient client, int windows, Func<long, int, VerificationRequest> request)
    {
        var watch = new SubmitWatch(client, request);
        for (var w = 0; w < windows; w++)
        {
            var window = Window(w);
            watch._readers.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in client.WatchAsync(LoadPki.Department, window, cancellationToken: watch._stop.Token))
                    {
                        watch._waiting.GetOrAdd(e.Result.RequestId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or NoCertHubException)
                {
                    // Stopped, or refused: a call waiting for this window's results says why.
                    if (!watch._stop.IsCancellationRequested)
                    {
                        watch._watchFailure = e;
                    }
                }
            }));
        }

        return Task.FromResult(watch);
    }

    public async Task CallAsync(int worker, long n)
    {
        var request = _request(n, worker);
        request.Requester.Window = Window(worker % _readers.Count);
        var receipt = await _client.SubmitAsync(request);
        var answered = _waiting.GetOrAdd(receipt.RequestId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            var ended = _watchFailure is { } failure ? $"; a Watch stream ended: {failure.GetType().Name}: {failure.Message}" : "";
            throw new TimeoutException($"no result on the Watch of {request.Requester.Department}/{request.Requester.Window} within 30 s{ended}");
        }
        _waiting.TryRemove(receipt.RequestId, out _);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_readers);
        _stop.Dispose();
        _client.Dispose();
    }

    private static string Window(int w) => "sw" + w.ToString(CultureInfo.InvariantCulture);
}
