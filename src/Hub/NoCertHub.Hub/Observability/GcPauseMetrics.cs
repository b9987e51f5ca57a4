using Prometheus;

namespace NoCertHub.Hub.Observability;

/// <summary>
/// The garbage collector's pauses and the allocation that drives them, which prometheus-net's
/// process statistics leave out: every request in the process (the embedded Redis's work
/// included) stops while a pause lasts, so they show in the hub's tail latency. Read from the
/// runtime at each scrape.
/// </summary>
internal static class GcPauseMetrics
{
    private static readonly (GCKind Kind, string Name)[] Kinds =
        [(GCKind.Ephemeral, "ephemeral"), (GCKind.Background, "background"), (GCKind.FullBlocking, "full_blocking")];

    public static void Register(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        var paused = factory.CreateCounter("dotnet_gc_pause_seconds_total",
            "Time the process has spent paused for garbage collection since it started.");
        var allocated = factory.CreateCounter("dotnet_gc_allocated_bytes_total",
            "Bytes the process has allocated on the managed heap since it started (its rate over the answers' rate is the allocation per request).");
        var last = factory.CreateGauge("dotnet_gc_last_pause_seconds",
            "The longest pause of the most recent collection of each kind (0 until there was one): ephemeral (generations 0 and 1), background (generation 2 beside the program), full_blocking.",
            new GaugeConfiguration { LabelNames = ["kind"] });
        registry.AddBeforeCollectCallback(() =>
        {
            paused.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
            allocated.IncTo(GC.GetTotalAllocatedBytes());
            foreach (var (kind, name) in Kinds)
            {
                var longest = TimeSpan.Zero;
                foreach (var pause in GC.GetGCMemoryInfo(kind).PauseDurations)
                {
                    longest = pause > longest ? pause : longest;
                }

                last.WithLabels(name).Set(longest.TotalSeconds);
            }
        });
    }
}
