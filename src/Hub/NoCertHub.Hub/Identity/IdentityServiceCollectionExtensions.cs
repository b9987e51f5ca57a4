namespace NoCertHub.Hub.Identity;

internal static class IdentityServiceCollectionExtensions
{
    public static IServiceCollection AddCallerIdentity(this IServiceCollection services)
    {
        services.AddSingleton<ICallerIdentityResolver, ClientCertificateIdentityResolver>();
        return services;
    }
}
