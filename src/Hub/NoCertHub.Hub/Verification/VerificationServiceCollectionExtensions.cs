namespace NoCertHub.Hub.Verification;

internal static class VerificationServiceCollectionExtensions
{
    /// <summary>The window API's stages: validation and intake, result recording, and the results' release to waiting windows.</summary>
    public static IServiceCollection AddVerification(this IServiceCollection services)
    {
        services.AddSingleton<VerificationMetrics>();
        services.AddSingleton<RequestValidator>();
        services.AddSingleton<RequestIntake>();
        services.AddSingleton<ResultRecorder>();
        services.AddSingleton<ResultNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<ResultNotifier>());
        return services;
    }
}
