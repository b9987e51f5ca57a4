using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Requests;

namespace NoCertHub.Hub.Routing;

/// <summary>
/// A Verify's acceptance not yet written to Redis (Hub:VerifyRecordAfter). Whichever comes first
/// writes it: its answer (the request recorded and answered in one write, see
/// <see cref="IRequestStore.CompleteAsync"/>), or the delay's end, a hand-over to another hub or
/// the caller's wait ending (the request written as tracked, with its deadline timer). The second
/// kind of write is made only if the request is not on record yet, so it never undoes an answer.
/// </summary>
internal sealed class PendingAcceptance(AcceptedRequest request)
{
    private readonly Lock _writing = new();
    private Task? _recorded;
    private volatile bool _answering;

    public AcceptedRequest Request { get; } = request with { IfAbsent = true, ReceiptNow = false };

    /// <summary>Its answer is being recorded, and records it too: the delay's end leaves it alone.</summary>
    public bool Answering => _answering;

    /// <summary>Says the answer's write will carry the acceptance (called before that write is sent).</summary>
    public void Answer() => _answering = true;

    /// <summary>Writes the acceptance unless a write of it is under way or done; completes when it is in Redis.</summary>
    public Task RecordAsync(IRequestStore store)
    {
        lock (_writing)
        {
            if (_recorded is null || _recorded.IsFaulted || _recorded.IsCanceled)
            {
                _recorded = store.AcceptAsync(Request, clientRequestId: null, CancellationToken.None);
            }

            return _recorded;
        }
    }
}

/// <summary>
/// Writes the acceptances of Verify requests not answered within Hub:VerifyRecordAfter, so every
/// request still waiting after that short delay is tracked with its Article 11 deadline timer.
/// </summary>
internal sealed class PendingAcceptances : IDisposable
{
    private readonly ConcurrentQueue<(RoutedTask Task, long Due)> _queue = new();
    private readonly Lock _sweeping = new();
    private readonly IRequestStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<PendingAcceptances> _logger;
    private readonly long _delayTicks;
    private readonly ITimer? _timer;

    public PendingAcceptances(IRequestStore store, TimeProvider time, IOptions<HubOptions> options, ILogger<PendingAcceptances> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        var delay = options.Value.VerifyRecordAfter;
        _delayTicks = (long)(delay.TotalSeconds * time.TimestampFrequency);
        if (delay > TimeSpan.Zero)
        {
            // Ticks at half the delay: an acceptance is written between one and one and a half delays after it was made.
            var tick = delay / 2;
            _timer = time.CreateTimer(_ => Sweep(), null, tick, tick);
        }
    }

    /// <summary>Whether a Verify's acceptance may wait (Hub:VerifyRecordAfter above zero).</summary>
    public bool Enabled => _timer is not null;

    /// <summary>Holds the acceptance of <paramref name="task"/>'s request back for the delay.</summary>
    public void Hold(RoutedTask task, AcceptedRequest request)
    {
        task.Pending = new PendingAcceptance(request);
        _queue.Enqueue((task, _time.GetTimestamp() + _delayTicks));
    }

    /// <summary>Acceptances waiting to be written (or answered).</summary>
    public int Count => _queue.Count;

    public void Dispose() => _timer?.Dispose();

    private void Sweep()
    {
        lock (_sweeping)
        {
            var now = _time.GetTimestamp();
            while (_queue.TryPeek(out var entry) && entry.Due <= now)
            {
                _queue.TryDequeue(out _);
                if (entry.Task.Pending is { Answering: false })
                {
                    _ = WriteAsync(entry.Task);
                }
            }
        }
    }

    private async Task WriteAsync(RoutedTask task)
    {
        var pending = task.Pending!;
        try
        {
            await pending.RecordAsync(_store).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Redis refused or is away: the request is still routed from memory; try again after the delay.
            RoutingLog.PendingAcceptanceFailed(_logger, task.RequestId, e.Message);
            _queue.Enqueue((task, _time.GetTimestamp() + _delayTicks));
        }
    }
}
