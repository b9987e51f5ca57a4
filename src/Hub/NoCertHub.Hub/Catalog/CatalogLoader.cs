using Microsoft.Extensions.Options;
using NoCertHub.Hub.Storage;
using Quartz;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// Brings the catalog store up (schema, seed) before the hub serves, and keeps this hub's
/// snapshot of approved items current: after its own changes at once, after other hubs' within
/// <see cref="CatalogOptions.RefreshInterval"/>. Logs each item that came into or went out of
/// force since the last load (a repealed basis ends an item on its day; requests check the day
/// themselves, so enforcement does not wait for this).
/// </summary>
internal sealed partial class CatalogLoader(
    SqlCatalogStore store, CatalogSnapshot snapshot, IOptions<CatalogOptions> options, TimeProvider time, ILogger<CatalogLoader> logger) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private HashSet<string> _inForce = new(StringComparer.Ordinal);

    /// <summary>The known departments, as of the last load.</summary>
    public IReadOnlyDictionary<string, string> Departments { get; private set; } = new Dictionary<string, string>();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken);
        var seedPath = options.Value.SeedPath;
        if (!string.IsNullOrWhiteSpace(seedPath))
        {
            var path = Path.IsPathRooted(seedPath) ? seedPath : Path.Combine(AppContext.BaseDirectory, seedPath);
            await store.SeedAsync(CatalogSeed.Load(path), Path.GetFileName(path), time.GetUtcNow(), cancellationToken);
        }

        await ReloadAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _reloading.Dispose();

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken);
        try
        {
            Departments = await store.DepartmentsAsync(cancellationToken);
            snapshot.Replace(await store.ApprovedVersionsAsync(cancellationToken));
            var today = CatalogRules.Today(time);
            var inForce = snapshot.InForceOn(today).Select(i => i.Code).ToHashSet(StringComparer.Ordinal);
            if (_inForce.Count > 0)
            {
                foreach (var code in inForce.Except(_inForce))
                {
                    LogInForce(logger, code, today);
                }

                foreach (var code in _inForce.Except(inForce))
                {
                    var item = snapshot.Find(code, today);
                    LogOutOfForce(logger, code, today, item?.EffectiveUntil);
                }
            }

            _inForce = inForce;
        }
        finally
        {
            _reloading.Release();
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Catalog item {Code} is in force from {Day}")]
    private static partial void LogInForce(ILogger logger, string code, DateOnly day);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Catalog item {Code} is out of force as of {Day} (effective until {Until}); requests for it are refused (Art. 6, 21)")]
    private static partial void LogOutOfForce(ILogger logger, string code, DateOnly day, DateOnly? until);
}

/// <summary>Reloads approved items on every hub on a schedule.</summary>
[DisallowConcurrentExecution]
internal sealed partial class CatalogRefreshJob(CatalogLoader loader, StoreErrorMetrics metrics, ILogger<CatalogRefreshJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await loader.ReloadAsync(cancellationToken);
        }
        catch (System.Data.Common.DbException e)
        {
            // The hub keeps routing by the catalog it has; the next run tries again.
            metrics.Failed("catalog");
            LogReloadFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "The catalog store could not be read; routing continues on the catalog loaded last")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);
}
