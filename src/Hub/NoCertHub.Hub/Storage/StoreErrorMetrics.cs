using Prometheus;

namespace NoCertHub.Hub.Storage;

/// <summary>Failures of the hub's stores, counted by whichever feature meets them.</summary>
internal sealed class StoreErrorMetrics
{
    private readonly Counter _errors;

    public StoreErrorMetrics(IMetricFactory metrics)
    {
        _errors = metrics.CreateCounter("nocert_store_errors_total",
            "Failures of the hub's stores: redis, audit (SQL), catalog (SQL).", new CounterConfiguration { LabelNames = ["store"] });
        // Known label values start at zero, so dashboards see a series before the first failure.
        foreach (var store in new[] { "redis", "audit", "catalog" })
        {
            _errors.WithLabels(store);
        }
    }

    public void Failed(string store) => _errors.WithLabels(store).Inc();
}
