using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using Quartz;

namespace NoCertHub.Hub.Evaluation;

/// <summary>Makes the last finished month's report when it is not there yet (once the month is over, or after a stop).</summary>
[DisallowConcurrentExecution]
internal sealed class MonthlyReportJob(EvaluationReports reports, IOptions<EvaluationOptions> options, ILogger<MonthlyReportJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await Housekeeping.RunAsync("monthly evaluation report", async () =>
        {
            var (year, month) = reports.LastFinishedMonth();
            if (options.Value.MonthlyReports && !reports.Exists(year, month))
            {
                var path = await reports.WriteMonthAsync(year, month, cancellationToken);
                var period = EvaluationReports.PeriodName(year, month);
                EvaluationLog.ReportWritten(logger, period, path);
            }
        });
}

internal static partial class EvaluationLog
{
    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Department evaluation for {Period} signed and written to {Path}")]
    public static partial void ReportWritten(ILogger logger, string period, string path);
}
