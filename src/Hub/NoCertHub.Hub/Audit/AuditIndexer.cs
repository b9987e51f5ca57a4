namespace NoCertHub.Hub.Audit;

/// <summary>
/// Feeds the search index from the chained table, off the answer path. Searches catch up by
/// themselves before they run; this keeps the catching up small.
/// </summary>
internal sealed class AuditIndexer(AuditSearchIndex store, AuditCheckpoints checkpoints, AuditMetrics metrics, TimeProvider time, ILogger<AuditIndexer> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The verifier needs the public key from the first record on, not from the first checkpoint.
        await checkpoints.ExportPublicKeyAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                metrics.IndexBacklog(await store.IndexPendingAsync(stoppingToken));
                await Task.Delay(Period, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                AuditLog.IndexFailed(logger, e);
                metrics.StoreFailed();
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);
            }
        }
    }
}
