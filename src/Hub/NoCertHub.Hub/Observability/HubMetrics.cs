using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Verification;
using NoCertHub.V1;
using Prometheus;

namespace NoCertHub.Hub.Observability;

/// <summary>
/// What the big-data center watches of the request path (prometheus-net, this hub's registry).
/// Labels stay bounded: items and departments come from the catalog (anything else is "other"),
/// never request ids, subjects or officers. Gauges of pending work are this hub's own share (each
/// unanswered request is routed by exactly one live hub), so sums over hubs are the district's.
/// </summary>
internal sealed class HubMetrics
{
    private readonly Histogram _queueing;
    private readonly Gauge _pending;
    private readonly Gauge _overdue;
    private readonly Gauge _nextDeadline;
    private readonly Gauge _agents;
    private readonly Gauge _inFlight;
    private readonly Gauge _capacity;
    private readonly Histogram _redisBatch;

    public HubMetrics(IMetricFactory metrics, CollectorRegistry registry, Dispatcher dispatcher, ScriptPipeline scripts, TimeProvider time)
    {
        _queueing = metrics.CreateHistogram("nocert_hub_queue_seconds",
            "Hop 1: from a request being queued at this hub to an agent being handed it.",
            new HistogramConfiguration { LabelNames = ["department"], Buckets = VerificationMetrics.LatencyBuckets });
        _pending = metrics.CreateGauge("nocert_requests_pending",
            "Unanswered requests this hub routes, by owning department and SLA class (queued or with an agent).",
            new GaugeConfiguration { LabelNames = ["department", "sla_class"] });
        _overdue = metrics.CreateGauge("nocert_requests_overdue",
            "Unanswered requests past their Article 11 deadline, by owning department.", new GaugeConfiguration { LabelNames = ["department"] });
        _nextDeadline = metrics.CreateGauge("nocert_next_deadline_seconds",
            "Seconds until the nearest deadline among the department's unanswered requests (negative: overdue).", new GaugeConfiguration { LabelNames = ["department"] });
        _agents = metrics.CreateGauge("nocert_agents_connected", "Agents connected to this hub, by department.", new GaugeConfiguration { LabelNames = ["department"] });
        _inFlight = metrics.CreateGauge("nocert_agent_tasks_in_flight", "Requests handed to agents and not yet answered, by department.", new GaugeConfiguration { LabelNames = ["department"] });
        _capacity = metrics.CreateGauge("nocert_agent_capacity", "Tasks the department's connected agents take at once.", new GaugeConfiguration { LabelNames = ["department"] });
        _redisBatch = metrics.CreateHistogram("nocert_redis_batch_calls",
            "Request-path scripts (accept, assign, answer) sent to Redis in one batch: one round trip and one commit for all of them.",
            new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        var redisWait = metrics.CreateHistogram("nocert_redis_batch_seconds",
            "What a batch of request-path scripts waits for: round_trip (sent to last reply: Redis's work and both sides of the wire), commit (the embedded Redis's append-only file on disk, for batches with a durable call).",
            new HistogramConfiguration { LabelNames = ["phase"], Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });

        registry.AddBeforeCollectCallback(() => Sample(dispatcher.Snapshot(), time.GetUtcNow()));
        dispatcher.HandedToAgent += HandedToAgent;
        scripts.BatchSent += calls => _redisBatch.Observe(calls);
        var roundTrip = redisWait.WithLabels("round_trip");
        var commit = redisWait.WithLabels("commit");
        scripts.RoundTrip += took => roundTrip.Observe(took.TotalSeconds);
        scripts.CommitWaited += took => commit.Observe(took.TotalSeconds);
    }

    public void HandedToAgent(RoutedTask task) => _queueing.WithLabels(task.Department).Observe(System.Diagnostics.Stopwatch.GetElapsedTime(task.QueuedAt).TotalSeconds);

    private void Sample(IReadOnlyList<DepartmentLoad> loads, DateTimeOffset now)
    {
        foreach (var load in loads)
        {
            foreach (var sla in new[] { SlaClass.Immediate, SlaClass.Records, SlaClass.OnSite })
            {
                _pending.WithLabels(load.Department, SlaName(sla)).Set(load.Pending.GetValueOrDefault(sla));
            }

            _overdue.WithLabels(load.Department).Set(load.Deadlines.Count(d => d < now));
            if (load.Deadlines.Count > 0)
            {
                _nextDeadline.WithLabels(load.Department).Set((load.Deadlines.Min() - now).TotalSeconds);
            }
            else
            {
                _nextDeadline.RemoveLabelled(load.Department);
            }

            _agents.WithLabels(load.Department).Set(load.Agents);
            _inFlight.WithLabels(load.Department).Set(load.InFlight);
            _capacity.WithLabels(load.Department).Set(load.Capacity);
        }
    }

    private static string SlaName(SlaClass sla) => sla switch
    {
        SlaClass.Immediate => "immediate",
        SlaClass.Records => "records",
        _ => "on_site",
    };
}
