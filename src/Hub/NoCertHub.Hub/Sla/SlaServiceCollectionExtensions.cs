namespace NoCertHub.Hub.Sla;

internal static class SlaServiceCollectionExtensions
{
    public static IServiceCollection AddSla(this IServiceCollection services)
    {
        services.AddOptions<SlaOptions>().BindConfiguration(SlaOptions.Section)
            .Validate(o => o.Immediate > TimeSpan.Zero && o.Records > TimeSpan.Zero && o.OnSite > TimeSpan.Zero, "Sla limits must be positive")
            .ValidateOnStart();
        services.AddSingleton<DeadlinePolicy>();
        return services;
    }
}
