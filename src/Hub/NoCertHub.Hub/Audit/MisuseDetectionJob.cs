using NoCertHub.Hub.Core;
using Quartz;

namespace NoCertHub.Hub.Audit;

/// <summary>Runs the misuse rules on schedule; findings wait for the joint office in the audit store.</summary>
[DisallowConcurrentExecution]
internal sealed class MisuseDetectionJob(MisuseDetector detector, ILogger<MisuseDetectionJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await Housekeeping.RunAsync("audit misuse detection", async () =>
        {
            var added = await detector.RunAsync(cancellationToken);
            if (added.Count > 0)
            {
                AuditLog.MisuseFound(logger, added.Count, string.Join(", ", added.Select(f => f.Rule).Distinct()));
            }
        });
}
