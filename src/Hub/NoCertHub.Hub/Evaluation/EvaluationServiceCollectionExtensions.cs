using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;

namespace NoCertHub.Hub.Evaluation;

internal static class EvaluationServiceCollectionExtensions
{
    /// <summary>The department evaluation (Art. 18-19): its sources, the monthly signed reports and their job.</summary>
    public static IServiceCollection AddEvaluation(this IServiceCollection services)
    {
        services.AddOptions<EvaluationOptions>().BindConfiguration(EvaluationOptions.Section)
            .Validate(o => o.Weights.OnTime >= 0 && o.Weights.Speed >= 0 && o.Weights.Requests >= 0 && o.Weights.Complaints >= 0 && o.Weights.Misuse >= 0
                && o.Weights.OnTime + o.Weights.Speed + o.Weights.Requests + o.Weights.Complaints + o.Weights.Misuse > 0,
                "Evaluation:Weights must be non-negative, and not all zero")
            .Validate(o => o.ComplaintPenalty >= 0 && o.FindingPenalty >= 0, "Evaluation:ComplaintPenalty and FindingPenalty must be non-negative")
            .Validate(o => o.CheckInterval >= TimeSpan.FromSeconds(1), "Evaluation:CheckInterval must be at least one second")
            .ValidateOnStart();
        services.AddSingleton<EvaluationSources>();
        services.AddSingleton<EvaluationReports>();
        services.AddRecurringJob<MonthlyReportJob>("monthly-report", sp =>
        {
            var o = sp.GetRequiredService<IOptions<EvaluationOptions>>().Value;
            // Off: checked once a year, and the job does nothing (below).
            return o.MonthlyReports ? o.CheckInterval : TimeSpan.FromDays(365);
        });
        return services;
    }

    /// <summary>
    /// GET /reports (the periods with a report, newest first) and GET /reports/{file}: the joint
    /// office's, on the hub's endpoints like its RPCs (in production, with its client certificate).
    /// </summary>
    public static IEndpointRouteBuilder MapEvaluationReports(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/reports", (EvaluationReports reports) => Results.Json(new { reports = reports.List() }))
            .RequireAuthorization(AccessPolicies.JointOffice);
        endpoints.MapGet("/reports/{file}", (string file, EvaluationReports reports) => reports.FileOf(file) is { } path
                ? Results.File(path, ContentType(path))
                : Results.NotFound(new { error = $"no report file '{file}' (report-yyyy-MM.json, .json.sig or .html)" }))
            .RequireAuthorization(AccessPolicies.JointOffice);
        return endpoints;
    }

    private static string ContentType(string path) =>
        path.EndsWith(".html", StringComparison.Ordinal) ? "text/html; charset=utf-8"
        : path.EndsWith(".json", StringComparison.Ordinal) ? "application/json"
        : "text/plain; charset=utf-8";
}
