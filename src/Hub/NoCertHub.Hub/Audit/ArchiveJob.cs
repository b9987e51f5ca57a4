using NoCertHub.Hub.Core;
using Quartz;

namespace NoCertHub.Hub.Audit;

/// <summary>Moves records past their retention period to the archive, a signed range at a time.</summary>
[DisallowConcurrentExecution]
internal sealed class ArchiveJob(AuditArchive archive, ILogger<ArchiveJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await Housekeeping.RunAsync("audit archive", async () =>
        {
            var moved = await archive.ArchiveAsync(cancellationToken);
            if (moved > 0)
            {
                AuditLog.Archived(logger, moved);
            }
        });
}
