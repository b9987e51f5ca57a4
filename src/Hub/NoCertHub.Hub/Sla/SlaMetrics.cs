using Prometheus;

namespace NoCertHub.Hub.Sla;

/// <summary>What the big-data center watches of Article 11: escalations, reminders, and how promptly overdue requests are caught.</summary>
internal sealed class SlaMetrics(IMetricFactory metrics)
{
    private readonly Counter _escalations = metrics.CreateCounter(
        "nocert_sla_escalations_total", "Overdue requests this hub escalated to the joint office (Art. 11 para 3).", new CounterConfiguration { LabelNames = ["department"] });

    private readonly Counter _reminders = metrics.CreateCounter(
        "nocert_sla_reminders_total", "Reminders this hub sent to departments before a deadline.", new CounterConfiguration { LabelNames = ["department"] });

    private readonly Histogram _detectionLag = metrics.CreateHistogram(
        "nocert_sla_detection_lag_seconds",
        "From a request's deadline passing to its escalation being recorded (Redis server clock).",
        new HistogramConfiguration { Buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });

    private readonly Counter _sweeps = metrics.CreateCounter(
        "nocert_sla_sweeps_total", "Sweeps of the deadline sets, by what started them.", new CounterConfiguration { LabelNames = ["trigger"] });

    public void Escalated(string department, TimeSpan lag)
    {
        _escalations.WithLabels(department).Inc();
        _detectionLag.Observe(Math.Max(0, lag.TotalSeconds));
    }

    public void Reminded(string department) => _reminders.WithLabels(department).Inc();

    public void Swept(string trigger) => _sweeps.WithLabels(trigger).Inc();
}
