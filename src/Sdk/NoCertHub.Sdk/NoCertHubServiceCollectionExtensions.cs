using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace NoCertHub.Sdk;

/// <summary>Registration of <see cref="NoCertHubClient"/> in a dependency-injection container.</summary>
public static class NoCertHubServiceCollectionExtensions
{
    /// <summary>Registers one shared <see cref="NoCertHubClient"/>, configured by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddNoCertHubClient(this IServiceCollection services, Action<NoCertHubClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<NoCertHubClientOptions>().Configure(configure)
            .Validate(o => o.Address is not null, "NoCertHubClientOptions.Address is required");
        services.AddSingleton(sp => new NoCertHubClient(sp.GetRequiredService<IOptions<NoCertHubClientOptions>>().Value));
        return services;
    }
}
