using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.V1;

namespace NoCertHub.Hub.Evaluation;

/// <summary>The joint office's evaluation of the departments (Art. 18-19), for any period up to a year.</summary>
[Authorize(Policy = AccessPolicies.JointOffice)]
internal sealed class EvaluationGrpcService(EvaluationReports reports, OversightAccess access, TimeProvider time) : EvaluationService.EvaluationServiceBase
{
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    public override async Task<DepartmentReport> GetDepartmentReport(DepartmentReportRequest request, ServerCallContext context)
    {
        access.Acting(context, request.OfficerDeclared);
        if (request.From is null || request.To is null)
        {
            throw RequestRefusedException.Invalid("from and to are required: the period to evaluate, to exclusive");
        }

        var (from, to) = (request.From.ToDateTimeOffset(), request.To.ToDateTimeOffset());
        if (to <= from || to - from > MaxPeriod)
        {
            throw RequestRefusedException.Invalid($"the period must end after it starts and last at most {MaxPeriod.TotalDays:0} days (from {from:O}, to {to:O})");
        }

        if (from > time.GetUtcNow())
        {
            throw RequestRefusedException.Invalid($"the period starts in the future ({from:O})");
        }

        if (request.Department.Length > 0)
        {
            TextFields.RequireIdentifier(request.Department, "department");
        }

        return await reports.EvaluateAsync(request.Department.Length > 0 ? request.Department : null, from, to, context.CancellationToken);
    }
}
