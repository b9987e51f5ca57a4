namespace NoCertHub.Hub.Core;

internal static class CoreServiceCollectionExtensions
{
    /// <summary>What every feature shares: the hub's own settings and identity, the clock, the Article 11 deadlines.</summary>
    public static IServiceCollection AddCore(this IServiceCollection services)
    {
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.InstanceId), "Hub:InstanceId must not be empty")
            .Validate(o => o.LeaseTtl >= TimeSpan.FromSeconds(1), "Hub:LeaseTtl must be at least one second")
            .Validate(o => o.MaxVerifyWait >= TimeSpan.FromSeconds(1), "Hub:MaxVerifyWait must be at least one second")
            .Validate(o => o.MarkAssignedAfter >= TimeSpan.Zero && o.MarkAssignedAfter <= TimeSpan.FromMinutes(1), "Hub:MarkAssignedAfter must be between 0 and 00:01:00")
            .Validate(o => o.VerifyRecordAfter >= TimeSpan.Zero && o.VerifyRecordAfter <= TimeSpan.FromSeconds(10), "Hub:VerifyRecordAfter must be between 0 and 00:00:10")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<HubIncarnation>();
        return services;
    }
}
