using NoCertHub.Hub.Core;
using Quartz;

namespace NoCertHub.Hub.Audit;

/// <summary>Signs and exports a checkpoint over the records appended since the last one.</summary>
[DisallowConcurrentExecution]
internal sealed class CheckpointJob(AuditCheckpoints checkpoints, ILogger<CheckpointJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await Housekeeping.RunAsync("audit checkpoint", async () =>
        {
            try
            {
                if (await checkpoints.ExportNextAsync(cancellationToken) is { } c)
                {
                    AuditLog.CheckpointSigned(logger, c.From, c.To);
                }
            }
            catch (AuditChainBrokenException e)
            {
                AuditLog.ChainBroken(logger, e.Seq, e);
            }
        });
}
