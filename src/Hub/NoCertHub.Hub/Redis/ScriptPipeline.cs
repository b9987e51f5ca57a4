using System.Diagnostics;
using System.Threading.Channels;
using StackExchange.Redis;

namespace NoCertHub.Hub.Redis;

/// <summary>
/// Sends the request path's scripts to Redis in batches: the calls that arrive while one batch
/// is on the wire go out together in the next (one socket write and one read on each side, not
/// one per call), and the calls of a batch that make a promise share one commit barrier.
/// Within a batch, the calls of one script whose keys share a slot go as one call of the script's
/// batched form (<see cref="RedisScript.Many"/>): Redis enters the script once for all of them.
/// Such calls succeed or fail together. At low load a batch is a single call and costs what a
/// direct call costs.
/// </summary>
internal sealed class ScriptPipeline : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly IConnectionMultiplexer _redis;
    private readonly ICommitBarrier _durability;
    private readonly bool _groupScripts;
    private readonly Channel<Call> _calls = Channel.CreateUnbounded<Call>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    /// <summary>Told the number of calls of each batch sent.</summary>
    public event Action<int>? BatchSent;

    /// <summary>Told the number of calls of each script call that carries several (one script's calls of a batch whose keys share a slot).</summary>
    public event Action<int>? GroupSent;

    /// <summary>Told, for each batch sent, how long from its send to its last reply (Redis's work and both sides of the wire); best-effort writes' replies are read too.</summary>
    public event Action<TimeSpan>? RoundTrip;

    /// <summary>Told, for each batch with a durable call, how long its commit barrier held the replies back.</summary>
    public event Action<TimeSpan>? CommitWaited;

    public ScriptPipeline(IConnectionMultiplexer redis, ICommitBarrier durability, bool groupScripts = true)
    {
        _redis = redis;
        _durability = durability;
        _groupScripts = groupScripts;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Runs the script in the next batch; with <paramref name="durable"/> the reply is returned only
    /// once the batch is committed (see <see cref="ICommitBarrier"/>).
    /// </summary>
    public Task<RedisResult> EvaluateAsync(RedisScript script, RedisKey[] keys, RedisValue[] args, bool durable, CancellationToken cancellationToken)
    {
        var call = new Call(script, keys, args, durable);
        ObjectDisposedException.ThrowIf(!_calls.Writer.TryWrite(call), this);

        return cancellationToken.CanBeCanceled ? call.Task.WaitAsync(cancellationToken) : call.Task;
    }

    /// <summary>Waits until every call answered so far is on disk (the barrier durable calls wait for).</summary>
    public Task CommitAsync(CancellationToken cancellationToken) => _durability.CommitAsync(cancellationToken);

    /// <summary>Sends the script in the next batch and does not wait for it (a best-effort write).</summary>
    public void Send(RedisScript script, RedisKey[] keys, RedisValue[] args) =>
        _calls.Writer.TryWrite(new Call(script, keys, args, durable: false, fireAndForget: true));

    public async ValueTask DisposeAsync()
    {
        _calls.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var reader = _calls.Reader;
        var batch = new List<Call>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var call))
            {
                batch.Add(call);
            }

            var sent = new Call[batch.Count];
            batch.CopyTo(sent);
            batch.Clear();
            var started = Stopwatch.GetTimestamp();
            var replies = Send(sent, ByDigest);
            // One batch on the wire at a time: what arrives meanwhile makes the next one bigger.
            await ((Task)Task.WhenAll(replies)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (UnknownScripts(sent) is { } unknown)
            {
                await ((Task)Task.WhenAll(Send(unknown, ByText))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (replies.Length > 0)
            {
                RoundTrip?.Invoke(Stopwatch.GetElapsedTime(started));
            }
            _ = FinishAsync(sent);
        }
    }

    // Every call goes by its script's digest, a best-effort write too: its sender does not wait,
    // but the loop reads its reply like any other (it comes with the batch's), so a NOSCRIPT
    // refusal is seen and the write sent again by text rather than lost.
    private static Task<RedisResult> ByDigest(IBatch batch, RedisScript script, RedisKey[] keys, RedisValue[] args) =>
        batch.ScriptEvaluateAsync(script.Digest, keys, args);

    // EVAL with the script's text: Redis also keeps the script, on the node of the call's keys.
    private static Task<RedisResult> ByText(IBatch batch, RedisScript script, RedisKey[] keys, RedisValue[] args) =>
        batch.ScriptEvaluateAsync(script.Text, keys, args, CommandFlags.NoScriptCache);

    // The calls of a batch grouped by script and by the slot of their keys (every call's keys
    // share one hash tag), in the order each group's first call came: a group of several goes as
    // one call of the script's batched form. Calls of one request that may meet in a batch are
    // written to hold in either order (a held-back Verify acceptance and its answer).
    private List<List<Call>> Groups(Call[] calls)
    {
        var groups = new List<List<Call>>();
        var index = new Dictionary<(RedisScript, int), List<Call>>();
        for (var c = 0; c < calls.Length; c++)
        {
            var call = calls[c];
            var slot = _groupScripts ? SlotOf(call, c) : -1 - c;
            if (!index.TryGetValue((call.Script, slot), out var group))
            {
                group = [];
                index[(call.Script, slot)] = group;
                groups.Add(group);
            }

            group.Add(call);
        }

        return groups;
    }

    // A call without keys, or with a key the client cannot hash, goes alone (a number no slot has).
    private int SlotOf(Call call, int position)
    {
        try
        {
            return call.Keys.Length == 0 || call.Keys[0] == default(RedisKey) ? -1 - position : _redis.HashSlot(call.Keys[0]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return -1 - position;
        }
    }

    private Task<RedisResult> SendGroup(IBatch batch, List<Call> group, Func<IBatch, RedisScript, RedisKey[], RedisValue[], Task<RedisResult>> evaluate)
    {
        var keys = new RedisKey[group.Sum(c => c.Keys.Length)];
        var args = new RedisValue[1 + (2 * group.Count) + group.Sum(c => c.Args.Length)];
        args[0] = group.Count;
        int k = 0, a = 1 + (2 * group.Count);
        for (var i = 0; i < group.Count; i++)
        {
            var call = group[i];
            args[1 + (2 * i)] = call.Keys.Length;
            args[2 + (2 * i)] = call.Args.Length;
            call.Keys.CopyTo(keys, k);
            call.Args.CopyTo(args, a);
            k += call.Keys.Length;
            a += call.Args.Length;
        }

        GroupSent?.Invoke(group.Count);
        return evaluate(batch, group[0].Script.Many, keys, args);
    }

    private static async Task<RedisResult> Part(Task<RedisResult> whole, int i)
    {
        var replies = (RedisResult[])(await whole.ConfigureAwait(false))!;
        return replies[i];
    }

    // The calls Redis refused, without running them, for not knowing their script (a server
    // started or flushed since it last saw it): they go again by text, and cannot run twice.
    private static Call[]? UnknownScripts(Call[] calls)
    {
        List<Call>? unknown = null;
        foreach (var call in calls)
        {
            if (RedisScript.IsUnknownScript(call.Reply!.Exception?.InnerException))
            {
                (unknown ??= []).Add(call);
            }
        }

        return unknown?.ToArray();
    }

    private Task<RedisResult>[] Send(Call[] calls, Func<IBatch, RedisScript, RedisKey[], RedisValue[], Task<RedisResult>> evaluate)
    {
        try
        {
            var batch = _redis.GetDatabase().CreateBatch();
            foreach (var group in Groups(calls))
            {
                try
                {
                    if (group.Count == 1)
                    {
                        group[0].Reply = evaluate(batch, group[0].Script, group[0].Keys, group[0].Args);
                    }
                    else
                    {
                        var whole = SendGroup(batch, group, evaluate);
                        for (var i = 0; i < group.Count; i++)
                        {
                            group[i].Reply = Part(whole, i);
                        }
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A call the client refuses to write (a null key): its callers are told why,
                    // and the batch goes without it.
                    group.ForEach(call => call.Reply = Task.FromException<RedisResult>(e));
                }
            }

            batch.Execute();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The batch was not sent: replies already queued in it would never come (and the loop
            // would wait on them for ever), so every call of it fails with the reason. (No test
            // provokes this; it guards the loop against what it cannot foresee.)
            var failed = Task.FromException<RedisResult>(e);
            foreach (var call in calls)
            {
                call.Reply = failed;
            }

            return [];
        }

        BatchSent?.Invoke(calls.Length);
        return [.. calls.Select(c => c.Reply!)];
    }

    private async Task FinishAsync(Call[] calls)
    {
        // Failures and replies that promise nothing are answered at once.
        var committing = new List<Call>(calls.Length);
        foreach (var call in calls)
        {
            var reply = call.Reply!;
            if (call.FireAndForget)
            {
                continue;
            }

            if (!reply.IsCompletedSuccessfully)
            {
                call.TrySetException(reply.Exception?.InnerExceptions ?? [new TaskCanceledException(reply)]);
            }
            else if (call.Durable)
            {
                committing.Add(call);
            }
            else
            {
                call.TrySetResult(reply.Result);
            }
        }

        if (committing.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await _durability.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            CommitWaited?.Invoke(Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            foreach (var call in committing)
            {
                call.TrySetException(e);
            }

            return;
        }

        foreach (var call in committing)
        {
            call.TrySetResult(call.Reply!.Result);
        }
    }

    private sealed class Call(RedisScript script, RedisKey[] keys, RedisValue[] args, bool durable, bool fireAndForget = false)
        : TaskCompletionSource<RedisResult>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public RedisScript Script { get; } = script;

        public RedisKey[] Keys { get; } = keys;

        public RedisValue[] Args { get; } = args;

        public bool Durable { get; } = durable;

        public bool FireAndForget { get; } = fireAndForget;

        public Task<RedisResult>? Reply { get; set; }
    }
}
