using NoCertHub.Hub.Agents;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Sla;
using NoCertHub.Hub.Verification;

namespace NoCertHub.Hub.Hosting;

internal static class HubServiceCollectionExtensions
{
    public static IServiceCollection AddNoCertHub(this IServiceCollection services)
    {
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.InstanceId), "Hub:InstanceId must not be empty")
            .ValidateOnStart();
        services.AddGrpc(o => o.EnableDetailedErrors = false);
        services.AddSingleton(TimeProvider.System);
        services.AddCatalog().AddSla().AddRedis().AddRequestStore().AddAudit().AddCallerIdentity();
        services.AddSingleton<Dispatcher>();
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
        return endpoints;
    }
}
