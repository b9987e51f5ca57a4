using System.Collections.Concurrent;
using System.Globalization;
using NoCertHub.Sdk;
using NoCertHub.V1;

namespace NoCertHub.LoadTests;

/// <summary>
/// The streamed mode: each caller is a window with its own Watch stream open; a call is a Submit
/// and the wait for that request's result to arrive on the window's stream.
/// </summary>
internal sealed class SubmitWatch : IAsyncDisposable
{
    private readonly NoCertHubClient _client;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];

    private SubmitWatch(NoCertHubClient client) => _client = client;

    public static Task<SubmitWatch> StartAsync(NoCertHubClient client, int windows)
    {
        var watch = new SubmitWatch(client);
        for (var w = 0; w < windows; w++)
        {
            var window = Window(w);
            watch._readers.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in client.WatchAsync("jj-load-window", window, cancellationToken: watch._stop.Token))
                    {
                        watch._waiting.GetOrAdd(e.Result.RequestId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or NoCertHubException)
                {
                    // Stopped.
                }
            }));
        }

        return Task.FromResult(watch);
    }

    public async Task CallAsync(int worker, long n)
    {
        var request = new VerificationRequest
        {
            ItemCode = "JJ-MZ-001",
            Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X", Name = "张伟" },
            CaseNumber = "LOAD-SW-" + n.ToString(CultureInfo.InvariantCulture),
            Purpose = "load test",
            Requester = new Requester { Department = "jj-load-window", Window = Window(worker % _readers.Count), Officer = "load-officer" },
        };
        request.Claims["marital_status"] = "已婚";
        var receipt = await _client.SubmitAsync(request);
        var answered = _waiting.GetOrAdd(receipt.RequestId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));
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
