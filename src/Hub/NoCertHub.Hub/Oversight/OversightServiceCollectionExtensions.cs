using NoCertHub.Hub.Identity;

namespace NoCertHub.Hub.Oversight;

internal static class OversightServiceCollectionExtensions
{
    public static IServiceCollection AddOversight(this IServiceCollection services)
    {
        services.AddOptions<OversightOptions>().BindConfiguration(OversightOptions.Section)
            // A configured list replaces the default; binding a list onto a default would add to it.
            .PostConfigure(o =>
            {
                if (o.Departments.Count == 0)
                {
                    o.Departments.Add(OversightOptions.DefaultDepartment);
                }
            })
            .Validate(o => o.Departments.TrueForAll(d => !string.IsNullOrWhiteSpace(d)), "Oversight:Departments must not contain empty names")
            .ValidateOnStart();
        services.AddSingleton<OversightAccess>();
        return services;
    }
}
