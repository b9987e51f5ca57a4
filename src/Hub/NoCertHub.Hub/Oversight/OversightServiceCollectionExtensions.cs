using NoCertHub.Hub.Identity;

namespace NoCertHub.Hub.Oversight;

internal static class OversightServiceCollectionExtensions
{
    public static IServiceCollection AddOversight(this IServiceCollection services)
    {
        services.AddOptions<OversightOptions>().BindConfiguration(OversightOptions.Section)
            .Validate(o => o.Departments.TrueForAll(d => !string.IsNullOrWhiteSpace(d)), "Oversight:Departments must not contain empty names")
            .ValidateOnStart();
        services.AddSingleton<OversightAccess>();
        return services;
    }
}
