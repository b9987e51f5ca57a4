using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Sla;
using NoCertHub.V1;
using Microsoft.AspNetCore.Authorization;

namespace NoCertHub.Hub.Oversight;

/// <summary>The joint office's view of Article 11: escalations, requests near their deadline, case wait times.</summary>
[Authorize(Policy = AccessPolicies.JointOffice)]
internal sealed class OversightGrpcService(
    RedisSlaStore store,
    OversightAccess access,
    TimeProvider time,
    ILogger<OversightGrpcService> logger) : OversightService.OversightServiceBase
{
    private static readonly TimeSpan DefaultWithin = TimeSpan.FromMinutes(10);
    private const int MaxWindowDays = 366;
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(MaxWindowDays);

    public override async Task<ListEscalationsResponse> ListEscalations(ListEscalationsRequest request, ServerCallContext context)
    {
        var limit = PageLimit.Parse(request.Limit, "limit");
        var minOverdue = NonNegative(request.MinOverdue, "min_overdue") ?? TimeSpan.Zero;
        var now = time.GetUtcNow();
        var all = await store.ListEscalationsAsync(request.IncludeClosed, now, context.CancellationToken);
        var matching = all
            .Where(e => string.IsNullOrEmpty(request.Department) || e.DepartmentAtFault == request.Department)
            .Where(e => now - e.Deadline.ToDateTimeOffset() >= minOverdue)
            .ToList();
        var response = new ListEscalationsResponse { Total = matching.Count };
        response.Escalations.Add(matching.Take(limit));
        return response;
    }

    public override async Task<Escalation> CloseEscalation(CloseEscalationRequest request, ServerCallContext context)
    {
        var closedBy = access.Acting(context, request.Officer).Actor;
        if (string.IsNullOrWhiteSpace(request.RequestId))
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "request_id is required: the request whose escalation to close");
        }

        var finding = request.Finding?.Trim();
        if (string.IsNullOrEmpty(finding))
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "finding is required: what the joint office's investigation found");
        }

        if (finding.Length > 4000)
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, $"finding is {finding.Length} characters; at most 4000");
        }

        var outcome = await store.CloseEscalationAsync(request.RequestId, finding, closedBy, context.CancellationToken);
        var escalation = await store.GetEscalationAsync(request.RequestId, time.GetUtcNow(), context.CancellationToken);
        switch (outcome)
        {
            case CloseOutcome.Closed when escalation is not null:
                SlaLog.EscalationClosed(logger, request.RequestId, closedBy);
                return escalation;
            case CloseOutcome.AlreadyClosed when escalation is not null:
                // A retried close with the same finding succeeds; a different one must not overwrite the record.
                return escalation.Finding == finding
                    ? escalation
                    : throw new RequestRefusedException(StatusCode.FailedPrecondition,
                        $"The escalation of {request.RequestId} was already closed by {escalation.ClosedBy} at {escalation.ClosedAt.ToDateTimeOffset():u} with another finding");
            default:
                throw new RequestRefusedException(StatusCode.NotFound, $"No escalation on record for request '{request.RequestId}'");
        }
    }

    public override async Task<ListNearDeadlineResponse> ListNearDeadline(ListNearDeadlineRequest request, ServerCallContext context)
    {
        var limit = PageLimit.Parse(request.Limit, "limit");
        var within = NonNegative(request.Within, "within") ?? DefaultWithin;
        var now = time.GetUtcNow();
        var pending = await store.ListPendingUntilAsync(now + within, request.Department, limit, context.CancellationToken);
        var response = new ListNearDeadlineResponse();
        response.Requests.Add(pending.Select(p => new PendingRequest
        {
            Receipt = p.Receipt,
            State = p.State,
            RequesterDepartment = p.Request.Requester.Department,
            RequesterWindow = p.Request.Requester.Window,
            CaseNumber = p.Request.CaseNumber,
            TimeLeft = Duration.FromTimeSpan(p.Receipt.Deadline.ToDateTimeOffset() - now),
        }));
        return response;
    }

    public override async Task<CaseWaitTime> GetCaseWaitTime(GetCaseWaitTimeRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Department) || string.IsNullOrWhiteSpace(request.CaseNumber))
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "department and case_number are both required: the requesting office and its case number");
        }

        var checks = await store.CaseChecksAsync(request.Department, request.CaseNumber, context.CancellationToken);
        if (checks.Count == 0)
        {
            throw new RequestRefusedException(StatusCode.NotFound,
                $"No checks on record for case '{request.CaseNumber}' of {request.Department} (none made, or older than the retention period)");
        }

        var now = time.GetUtcNow();
        var (stopped, sum) = ClockStop.Measure(checks, now);
        var response = new CaseWaitTime
        {
            Department = request.Department,
            CaseNumber = request.CaseNumber,
            ClockStopped = Duration.FromTimeSpan(stopped),
            SumOfWaits = Duration.FromTimeSpan(sum),
            Pending = checks.Any(c => c.AnsweredAt is null),
        };
        foreach (var check in checks.OrderBy(c => c.AcceptedAt))
        {
            var item = new CaseCheck
            {
                RequestId = check.RequestId,
                ItemCode = check.ItemCode,
                AcceptedAt = Timestamp.FromDateTimeOffset(check.AcceptedAt),
                Waited = Duration.FromTimeSpan((check.AnsweredAt ?? now) - check.AcceptedAt),
            };
            if (check.AnsweredAt is { } answered)
            {
                item.AnsweredAt = Timestamp.FromDateTimeOffset(answered);
            }

            response.Checks.Add(item);
        }

        return response;
    }

    private static TimeSpan? NonNegative(Duration? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        // Valid Durations reach ten thousand years; a window past a year is a mistake, and past
        // the calendar's end would overflow the arithmetic.
        var span = value.ToTimeSpan();
        return span < TimeSpan.Zero ? throw new RequestRefusedException(StatusCode.InvalidArgument, $"{field} must not be negative")
            : span > MaxWindow ? throw new RequestRefusedException(StatusCode.InvalidArgument, $"{field} must not be longer than {MaxWindowDays} days")
            : span;
    }
}
