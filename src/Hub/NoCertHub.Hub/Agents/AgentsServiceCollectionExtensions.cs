namespace NoCertHub.Hub.Agents;

internal static class AgentsServiceCollectionExtensions
{
    /// <summary>The agent API's own state: which agent streams are open at this hub.</summary>
    public static IServiceCollection AddAgents(this IServiceCollection services)
    {
        services.AddSingleton<AgentStreams>();
        return services;
    }
}
