using Microsoft.Extensions.Options;
using NoCertHub.Hub.Agents;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Observability;
using NoCertHub.Hub.Oversight;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Sla;
using NoCertHub.Hub.Storage;
using NoCertHub.Hub.Verification;
using Prometheus;

namespace NoCertHub.Hub.Hosting;

internal static class HubServiceCollectionExtensions
{
    public static IServiceCollection AddNoCertHub(this IServiceCollection services)
    {
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.InstanceId), "Hub:InstanceId must not be empty")
            .Validate(o => o.LeaseTtl >= TimeSpan.FromSeconds(1), "Hub:LeaseTtl must be at least one second")
            .Validate(o => o.MarkAssignedAfter >= TimeSpan.Zero && o.MarkAssignedAfter <= TimeSpan.FromMinutes(1), "Hub:MarkAssignedAfter must be between 0 and 00:01:00")
            .ValidateOnStart();
        services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<StoreUnavailableInterceptor>();
        });
        services.AddSingleton(TimeProvider.System);
        // One registry per hub, so hubs sharing a process (tests) each report their own numbers.
        services.AddSingleton(_ => Metrics.NewCustomRegistry());
        services.AddSingleton<IMetricFactory>(sp => Metrics.WithCustomRegistry(sp.GetRequiredService<CollectorRegistry>()));
        services.AddStorage().AddCatalog().AddSla().AddRedis().AddRequestStore().AddAudit().AddCallerIdentity().AddOversight();
        services.AddSingleton(sp => new Dispatcher(sp.GetRequiredService<IRequestStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<HubOptions>>().Value.MarkAssignedAfter));
        services.AddSingleton<Observability.HubMetrics>();
        services.AddHubHealth();
        services.AddGrpcReflection();
        services.AddSingleton<HubIncarnation>();
        services.AddSingleton<OrphanRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<OrphanRecovery>());
        services.AddSingleton<RequestValidator>();
        services.AddSingleton<RequestIntake>();
        services.AddSingleton<ResultRecorder>();
        services.AddSingleton<ResultNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<ResultNotifier>());
        return services;
    }

    public static IEndpointRouteBuilder MapNoCertHub(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<VerificationGrpcService>();
        endpoints.MapGrpcService<AgentGrpcService>();
        endpoints.MapGrpcService<OversightGrpcService>();
        endpoints.MapGrpcService<AuditGrpcService>();
        endpoints.MapGrpcService<CatalogGrpcService>();
        // Any standard gRPC client (grpcurl, Postman) can list and call the services without the protos.
        endpoints.MapGrpcReflectionService();
        endpoints.MapHubHealth();
        // The public cancellation list (Art. 6) as JSON, for anyone, on the plain HTTP port.
        endpoints.MapGet("/catalog/cancellation-list.json", CatalogPublication.Render);
        // Created now, so its series exist before the first request and the first scrape.
        endpoints.ServiceProvider.GetRequiredService<Observability.HubMetrics>();
        endpoints.MapMetrics("/metrics", endpoints.ServiceProvider.GetRequiredService<CollectorRegistry>());
        return endpoints;
    }
}
