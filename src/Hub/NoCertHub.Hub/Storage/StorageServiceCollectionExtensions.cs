namespace NoCertHub.Hub.Storage;

internal static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "Storage:DataDirectory must not be empty")
            .Validate(o => Enum.IsDefined(o.Durability), "Storage:Durability must be PowerLoss or ProcessCrash")
            .ValidateOnStart();
        services.AddSingleton<HubDataFolder>();
        services.AddSingleton<StoreErrorMetrics>();
        return services;
    }
}
