using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Storage;
using NoCertHub.Hub.Verification;
using Prometheus;

namespace NoCertHub.Hub.Observability;

internal static class ObservabilityServiceCollectionExtensions
{
    /// <summary>
    /// The hub's Prometheus registry (one per hub, so hubs sharing a process in tests each report their
    /// own numbers), the metrics that observe routing and Redis from outside, and the health checks.
    /// Each feature owns its own metrics (VerificationMetrics, AuditMetrics, SlaMetrics, StoreErrorMetrics).
    /// </summary>
    public static IServiceCollection AddHubObservability(this IServiceCollection services)
    {
        services.AddSingleton(_ =>
        {
            var registry = Metrics.NewCustomRegistry();
            // The process's memory, CPU, GC and threads (process_*, dotnet_*), beside the hub's own.
            DotNetStats.Register(registry);
            GcPauseMetrics.Register(registry);
            return registry;
        });
        services.AddSingleton<IMetricFactory>(sp => Metrics.WithCustomRegistry(sp.GetRequiredService<CollectorRegistry>()));
        services.AddSingleton<HubMetrics>();
        services.AddHubHealth();
        return services;
    }

    /// <summary>Serves /metrics, with every feature's metrics created first so their series exist before the first request and scrape.</summary>
    public static IEndpointRouteBuilder MapHubMetrics(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        services.GetRequiredService<HubMetrics>();
        services.GetRequiredService<VerificationMetrics>();
        services.GetRequiredService<AuditMetrics>();
        services.GetRequiredService<StoreErrorMetrics>();
        endpoints.MapMetrics("/metrics", services.GetRequiredService<CollectorRegistry>());
        return endpoints;
    }
}
