using Prometheus;

namespace NoCertHub.Agents.Hosting;

/// <summary>
/// What the big-data center watches at the departments' end: checks by item and verdict, how long
/// the legacy database takes, whether each department's stream to the hub is up, and on-site
/// checks waiting for an officer. One registry per agent process; labels are departments, items
/// and verdicts only.
/// </summary>
internal sealed class AgentMetrics
{
    private readonly Counter _checks;
    private readonly Histogram _checkSeconds;
    private readonly Gauge _connected;
    private readonly Counter _reconnects;
    private readonly Gauge _onSiteWaiting;

    public AgentMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        _checks = factory.CreateCounter("nocert_agent_checks_total", "Tasks answered by this agent, by department, item and verdict.",
            new CounterConfiguration { LabelNames = ["department", "item", "verdict"] });
        _checkSeconds = factory.CreateHistogram("nocert_agent_check_seconds", "Time to answer a task from the department's database.",
            new HistogramConfiguration { LabelNames = ["department", "item"], Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });
        _connected = factory.CreateGauge("nocert_agent_connected", "1 while the department's stream to the hub is open and welcomed.",
            new GaugeConfiguration { LabelNames = ["department"] });
        _reconnects = factory.CreateCounter("nocert_agent_reconnects_total", "Streams to the hub lost and tried again.",
            new CounterConfiguration { LabelNames = ["department"] });
        _onSiteWaiting = factory.CreateGauge("nocert_agent_onsite_waiting", "On-site checks on the work list waiting for an officer.",
            new GaugeConfiguration { LabelNames = ["department"] });
    }

    public CollectorRegistry Registry { get; }

    public void Checked(string department, string item, V1.Verdict verdict, TimeSpan took)
    {
        _checks.WithLabels(department, item, verdict.ToString()).Inc();
        _checkSeconds.WithLabels(department, item).Observe(took.TotalSeconds);
    }

    public void Connected(string department, bool up) => _connected.WithLabels(department).Set(up ? 1 : 0);

    public void Reconnecting(string department) => _reconnects.WithLabels(department).Inc();

    public void OnSiteWaiting(string department, int count) => _onSiteWaiting.WithLabels(department).Set(count);
}
