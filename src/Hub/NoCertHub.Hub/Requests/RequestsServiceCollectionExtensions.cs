namespace NoCertHub.Hub.Requests;

internal static class RequestsServiceCollectionExtensions
{
    public static IServiceCollection AddRequestStore(this IServiceCollection services)
    {
        services.AddSingleton<IRequestStore, RedisRequestStore>();
        return services;
    }
}
