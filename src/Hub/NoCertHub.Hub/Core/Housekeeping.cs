using System.Collections.Concurrent;

namespace NoCertHub.Hub.Core;

/// <summary>
/// Runs CPU-heavy housekeeping (the audit checkpoint's re-chaining of a minute of records, misuse
/// detection, archiving) on a thread of its own, with every continuation of the work kept on it,
/// so it never holds one of the thread-pool workers live requests run on (two on two cores)
/// for the seconds it takes. Its priority is left normal: a lowered (Linux nice) priority is
/// inherited by any thread-pool worker the runtime happens to create from it, and would stay
/// with that worker.
/// </summary>
internal static class Housekeeping
{
    public static Task RunAsync(string name, Func<Task> work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var context = new OneThreadContext();
            SynchronizationContext.SetSynchronizationContext(context);
            Task task;
            try
            {
                task = work();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                task = Task.FromException(e);
            }

            task.ContinueWith(static (_, c) => ((OneThreadContext)c!).Complete(), context, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            context.RunUntilComplete();
            if (task.IsCanceled)
            {
                done.SetCanceled();
            }
            else if (task.Exception is { } failed)
            {
                done.SetException(failed.InnerExceptions);
            }
            else
            {
                done.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Runs every continuation posted to it on the one thread that pumps it.</summary>
    private sealed class OneThreadContext : SynchronizationContext
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                _queue.Add((d, state));
            }
            catch (InvalidOperationException)
            {
                // The work is over (a straggling continuation): it runs on the thread pool.
                ThreadPool.QueueUserWorkItem(s => d(s), state, preferLocal: false);
            }
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Housekeeping work runs on its own thread; post to it instead");

        public override SynchronizationContext CreateCopy() => this;

        public void Complete() => _queue.CompleteAdding();

        public void RunUntilComplete()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }

            _queue.Dispose();
        }
    }
}
