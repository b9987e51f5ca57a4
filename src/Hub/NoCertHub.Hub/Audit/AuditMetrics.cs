using NoCertHub.Hub.Storage;
using Prometheus;

namespace NoCertHub.Hub.Audit;

/// <summary>The audit trail's writer and indexer, as the big-data center watches them.</summary>
internal sealed class AuditMetrics(IMetricFactory metrics, StoreErrorMetrics storeErrors)
{
    private readonly Histogram _write = metrics.CreateHistogram("nocert_audit_write_seconds",
        "From an audit record being handed to the writer to its group commit (what an answer waits before release).",
        new HistogramConfiguration { Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });

    private readonly Gauge _queue = metrics.CreateGauge("nocert_audit_queue_records", "Audit records waiting for the next group commit.");

    private readonly Gauge _indexBacklog = metrics.CreateGauge("nocert_audit_index_backlog_records", "Records the search indexer found unindexed in its last round (0: caught up).");

    public void Committed(TimeSpan waited) => _write.Observe(waited.TotalSeconds);

    public void Queue(int records) => _queue.Set(records);

    public void IndexBacklog(int records) => _indexBacklog.Set(records);

    public void StoreFailed() => storeErrors.Failed("audit");
}
