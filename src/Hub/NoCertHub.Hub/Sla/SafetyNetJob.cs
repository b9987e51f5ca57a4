using Quartz;

namespace NoCertHub.Hub.Sla;

/// <summary>
/// The scheduled safety net: a full sweep on a fixed interval, run by Quartz apart from the
/// sweeper's own loop, so an overdue request is caught even if that loop is stuck or was never
/// woken.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class SafetyNetJob(OverdueSweeper sweeper) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        await sweeper.SweepAsync("safety-net", cancellationToken);
    }
}
