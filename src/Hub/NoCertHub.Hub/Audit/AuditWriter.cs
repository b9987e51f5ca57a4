using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// Group commit: callers hand records to one writer, which commits whatever has queued up in a
/// single transaction and then completes every caller of that batch. A caller's task completes
/// only once its record is durable, so a result is never released ahead of its audit record.
/// </summary>
internal sealed class AuditWriter : BackgroundService, IAuditLog
{
    private readonly AuditChainStore _store;
    private readonly ILogger<AuditWriter> _logger;
    private readonly int _maxBatch;
    private readonly Channel<Pending> _queue;
    private readonly AuditMetrics? _metrics;

    public AuditWriter(AuditChainStore store, IOptions<AuditOptions> options, ILogger<AuditWriter> logger, AuditMetrics? metrics = null)
    {
        _store = store;
        _metrics = metrics;
        _logger = logger;
        _maxBatch = options.Value.MaxBatch;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public async Task WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        var pending = new Pending(record);
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        await pending.Committed.Task.WaitAsync(cancellationToken);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Fail the hub at start if the audit store cannot be reached: no lookup may go unrecorded.
        await _store.EnsureSchemaAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(_maxBatch);
        var records = new List<AuditRecord>(_maxBatch);
        // Drain what is queued even after stop is requested, so accepted answers keep their records.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                records.Add(pending.Record);
            }

            try
            {
                await _store.AppendAsync(records, CancellationToken.None);
                foreach (var p in batch)
                {
                    p.Committed.TrySetResult();
                    _metrics?.Committed(System.Diagnostics.Stopwatch.GetElapsedTime(p.Queued));
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                AuditLog.CommitFailed(_logger, batch.Count, e);
                _metrics?.StoreFailed();
                foreach (var p in batch)
                {
                    p.Committed.TrySetException(new AuditUnavailableException("The audit store did not accept the record", e));
                }
            }

            batch.Clear();
            records.Clear();
            _metrics?.Queue(_queue.Reader.Count);
        }
    }

    private sealed class Pending(AuditRecord record)
    {
        public AuditRecord Record { get; } = record;

        public long Queued { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

internal sealed class AuditUnavailableException(string message, Exception inner) : Exception(message, inner);
