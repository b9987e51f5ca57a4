using NoCertHub.Hub.Agents;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Observability;
using NoCertHub.Hub.Oversight;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Sla;
using NoCertHub.Hub.Storage;
using NoCertHub.Hub.Verification;

namespace NoCertHub.Hub.Hosting;

internal static class HubServiceCollectionExtensions
{
    public static IServiceCollection AddNoCertHub(this IServiceCollection services)
    {
        services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<ErrorMappingInterceptor>();
        });
        services.AddCore().AddStorage().AddCatalog().AddSla().AddRedis().AddRequestStore().AddAudit().AddCallerIdentity().AddOversight()
            .AddRequestRouting().AddVerification().AddHubObservability()
            .AddHubScheduler();
        services.AddGrpcReflection();
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
        endpoints.MapHubMetrics();
        return endpoints;
    }
}
