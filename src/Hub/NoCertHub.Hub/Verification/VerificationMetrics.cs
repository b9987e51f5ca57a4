using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Routing;
using NoCertHub.V1;
using Prometheus;

namespace NoCertHub.Hub.Verification;

/// <summary>Requests accepted, refused and answered, and how long answers took, by item and department.</summary>
internal sealed class VerificationMetrics
{
    /// <summary>Shared with the routing metrics' hops, so the two line up on one dashboard.</summary>
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86400, 172800];

    private readonly ICatalog _catalog;
    private readonly Counter _requests;
    private readonly Histogram _endToEnd;
    private readonly Histogram _agentProcessing;

    public VerificationMetrics(IMetricFactory metrics, ICatalog catalog)
    {
        _catalog = catalog;
        _requests = metrics.CreateCounter("nocert_requests_total",
            "Verification requests by item, owning department and outcome: accepted, refused, answered (on time), late.",
            new CounterConfiguration { LabelNames = ["item", "department", "outcome"] });
        _endToEnd = metrics.CreateHistogram("nocert_request_duration_seconds",
            "From a request's acceptance to its answer being recorded and released (window → hub → agent → window).",
            new HistogramConfiguration { LabelNames = ["department"], Buckets = LatencyBuckets });
        _agentProcessing = metrics.CreateHistogram("nocert_agent_processing_seconds",
            "Hop 2: from an agent being handed a request to its answer arriving at the hub.",
            new HistogramConfiguration { LabelNames = ["department"], Buckets = LatencyBuckets });
    }

    public void Accepted(CatalogItem item) => _requests.WithLabels(item.Code, item.OwningDepartment, "accepted").Inc();

    public void Refused(string? itemCode)
    {
        var item = itemCode is null ? null : _catalog.Find(itemCode);
        _requests.WithLabels(item?.Code ?? "other", item?.OwningDepartment ?? "other", "refused").Inc();
    }

    public void Answered(RoutedTask task, VerificationResult result)
    {
        var department = task.Department;
        _requests.WithLabels(_catalog.Find(task.ItemCode) is null ? "other" : task.ItemCode, department, result.Late ? "late" : "answered").Inc();
        _endToEnd.WithLabels(department).Observe(Math.Max(0, (result.AnsweredAt.ToDateTimeOffset() - result.AcceptedAt.ToDateTimeOffset()).TotalSeconds));
        if (task.AssignedAt != 0)
        {
            _agentProcessing.WithLabels(department).Observe(System.Diagnostics.Stopwatch.GetElapsedTime(task.AssignedAt).TotalSeconds);
        }
    }
}
