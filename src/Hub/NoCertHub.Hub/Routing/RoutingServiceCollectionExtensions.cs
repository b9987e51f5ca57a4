using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Requests;

namespace NoCertHub.Hub.Routing;

internal static class RoutingServiceCollectionExtensions
{
    /// <summary>Per-department queues and agent sessions, the handover of requests to hubs whose agents answer them, and the adoption of requests a dead hub was routing.</summary>
    public static IServiceCollection AddRequestRouting(this IServiceCollection services)
    {
        services.AddSingleton(sp => new Dispatcher(sp.GetRequiredService<IRequestStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<HubOptions>>().Value.MarkAssignedAfter));
        services.AddSingleton<PendingAcceptances>();
        services.AddSingleton<HubHandover>();
        services.AddHostedService(sp => sp.GetRequiredService<HubHandover>());
        services.AddSingleton<OrphanRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<OrphanRecovery>());
        return services;
    }
}
