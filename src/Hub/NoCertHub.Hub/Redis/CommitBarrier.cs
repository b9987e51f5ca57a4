namespace NoCertHub.Hub.Redis;

/// <summary>
/// Waits until what this hub has written to Redis so far is on disk, for the writes that make a
/// promise: an accepted request's receipt, a recorded answer, a closed escalation. Timers and
/// escalations need no barrier: if a crash loses one, its timer is still there and fires again.
/// </summary>
internal interface ICommitBarrier
{
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Group commit: callers that arrive while a commit runs share the next one, so a busy hub pays
/// one commit per batch, not per request. For the embedded Garnet the commit is its append-only
/// file reaching the disk (Garnet's own --aof-commit-wait made every write inside a script wait
/// for the disk, and deadlocked scripts of several connections); for an external Redis with
/// Redis:MinReplicasAcked, it is the replicas acknowledging every write so far
/// (<see cref="ReplicaAcknowledgement"/>).
/// </summary>
internal sealed class GroupCommitBarrier(Func<CancellationToken, Task> commit) : ICommitBarrier
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _next;
    private bool _running;

    public Task CommitAsync(CancellationToken cancellationToken)
    {
        Task batch;
        lock (_gate)
        {
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            batch = _next.Task;
            if (!_running)
            {
                _running = true;
                _ = Task.Run(RunAsync, CancellationToken.None);
            }
        }

        return batch.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        while (true)
        {
            TaskCompletionSource batch;
            lock (_gate)
            {
                if (_next is null)
                {
                    _running = false;
                    return;
                }

                batch = _next;
                _next = null;
            }

            try
            {
                // Commits everything the server has appended so far, including every write of this batch's callers.
                await commit(CancellationToken.None);
                batch.SetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                batch.SetException(e);
            }
        }
    }
}

/// <summary>
/// For an external Redis, whose durability is its own configuration (appendonly yes with
/// appendfsync always, or everysec and up to a second at risk): nothing to wait for here.
/// </summary>
internal sealed class ServerConfiguredDurability : ICommitBarrier
{
    public Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
