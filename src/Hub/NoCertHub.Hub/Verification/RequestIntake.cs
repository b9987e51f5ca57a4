using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Limits;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Sla;
using NoCertHub.V1;

namespace NoCertHub.Hub.Verification;

/// <summary>
/// Accepts a window's request: validates it (recording refusals for the audit), gives it its
/// Article 11 deadline and records it. It hands back the task to route; the window API routes it,
/// after whatever must be in place before an answer can come back (Verify's wait).
/// </summary>
internal sealed class RequestIntake(
    RequestValidator validator,
    ICallerIdentityResolver identity,
    DeadlinePolicy deadlines,
    OverdueSweeper sweeper,
    IRequestStore store,
    RedisKeys keys,
    IAuditLog audit,
    VerificationMetrics metrics,
    Dispatcher dispatcher,
    PendingAcceptances pending,
    IOptions<LimitOptions> limits,
    ThrottleMetrics throttled,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<RequestIntake> logger)
{
    /// <summary>
    /// The accepted request, and the task to route when this call created it; null for a retried
    /// client_request_id, which the first call routed.
    /// </summary>
    public readonly record struct Accepted(string RequestId, Receipt Receipt, RoutedTask? Task);

    /// <summary>
    /// Validates and records a request. <paramref name="receiptNow"/>: the caller hands the
    /// receipt to the window at once (Submit), so the record is on disk before this returns;
    /// Verify answers only with the result, and makes its own promise (see AcceptedRequest).
    /// </summary>
    public async Task<Accepted> AcceptAsync(VerificationRequest? request, ServerCallContext context, bool receiptNow)
    {
        var caller = identity.Resolve(context);
        ValidatedRequest valid;
        try
        {
            valid = validator.Validate(request, caller);
            RoomInQueue(valid.Item.OwningDepartment);
        }
        catch (RequestRefusedException refused)
        {
            metrics.Refused(request?.ItemCode);
            await RecordRefusalAsync(request, caller, refused, context.CancellationToken);
            // Mapped to its status by the hub's one error mapping (Hosting/ErrorMappingInterceptor).
            throw;
        }

        var r = valid.Request;
        var acceptedAt = time.GetUtcNowMilliseconds();
        var deadline = deadlines.DeadlineFor(valid.Item.SlaClass, acceptedAt);
        var remindAt = deadlines.ReminderFor(acceptedAt, deadline);
        var requestId = RedisKeys.NewRequestId(keys.ShardOfWindow(r.Requester.Department, r.Requester.Window));
        // Every line logged about this request from here on, in whatever component, carries its id.
        using var scope = VerificationLog.RequestScope(logger, requestId);
        var receipt = new Receipt
        {
            RequestId = requestId,
            ItemCode = valid.Item.Code,
            SlaClass = valid.Item.SlaClass,
            AcceptedAt = Timestamp.FromDateTimeOffset(acceptedAt),
            Deadline = Timestamp.FromDateTimeOffset(deadline),
            OwningDepartment = valid.Item.OwningDepartment,
        };

        var accepted = new AcceptedRequest(requestId, valid.WindowId, r, receipt, remindAt, valid.Officer, receiptNow);
        if (!receiptNow && string.IsNullOrEmpty(r.ClientRequestId) && pending.Enabled)
        {
            // A Verify: written with its answer if that comes within Hub:VerifyRecordAfter, else then.
            var held = RoutedTask.For(r, receipt, valid.Officer, valid.Item.DisclosableFields);
            pending.Hold(held, accepted);
            return Announce(valid, accepted, held);
        }

        var recordedId = await store.AcceptAsync(accepted, r.ClientRequestId, context.CancellationToken);
        if (recordedId != requestId)
        {
            var first = await store.GetAsync(recordedId, context.CancellationToken)
                ?? throw new RpcException(new Status(StatusCode.Aborted, $"client_request_id '{r.ClientRequestId}' names a request that is no longer on record; use a new id"));
            return new Accepted(recordedId, first.Receipt, Task: null);
        }

        return Announce(valid, accepted, RoutedTask.For(r, receipt, valid.Officer, valid.Item.DisclosableFields));
    }

    private Accepted Announce(ValidatedRequest valid, AcceptedRequest request, RoutedTask task)
    {
        var deadline = request.Receipt.Deadline.ToDateTimeOffset();
        VerificationLog.Accepted(logger, request.RequestId, valid.Item.OwningDepartment, valid.Item.Code, deadline);
        metrics.Accepted(valid.Item);
        sweeper.Notify(request.RemindAt ?? deadline);
        return new Accepted(request.RequestId, request.Receipt, task);
    }

    /// <summary>
    /// A department whose agents take nothing (all down, or too slow) may have at most
    /// Limits:QueuedPerDepartment requests waiting in this hub's memory; past that new ones are
    /// refused, not queued, so the hub's memory stays bounded and the window learns at once.
    /// </summary>
    private void RoomInQueue(string department)
    {
        var max = limits.Value.QueuedPerDepartment;
        var queued = dispatcher.QueuedCount(department);
        if (queued >= max)
        {
            throttled.Refused("department-queue");
            var agents = dispatcher.AgentsOf(department).Count;
            throw new RequestRefusedException(StatusCode.ResourceExhausted,
                $"{department} has {queued} requests waiting for its agents ({(agents == 0 ? "none is connected" : $"{agents} connected")}; Limits:QueuedPerDepartment = {max}); try again later");
        }
    }

    private async Task RecordRefusalAsync(VerificationRequest? request, CallerIdentity? caller, RequestRefusedException refused, CancellationToken cancellationToken)
    {
        VerificationLog.Refused(logger, request?.Requester?.Department, request?.Requester?.Window, refused.Status, refused.Message);
        var record = new AuditRecord
        {
            RecordedAt = time.GetUtcNow(),
            Kind = AuditKind.Refused,
            ItemCode = AuditRecord.Clip(request?.ItemCode, 64),
            SubjectKind = request?.Subject?.Kind.ToString(),
            SubjectId = AuditRecord.Clip(request?.Subject?.Id, 64),
            CaseNumber = AuditRecord.Clip(request?.CaseNumber, 128),
            Purpose = AuditRecord.Clip(request?.Purpose, 512),
            RequesterDepartment = AuditRecord.Clip(request?.Requester?.Department, 64),
            Window = AuditRecord.Clip(request?.Requester?.Window, 64),
            Officer = AuditRecord.Clip(caller?.Officer ?? request?.Requester?.Officer, 128),
            HubInstance = options.Value.InstanceId,
            Reason = AuditRecord.Clip($"{refused.Status}: {refused.Message}", 1024),
        };
        // An AuditUnavailableException goes to the caller as Unavailable (Hosting/ErrorMappingInterceptor).
        await audit.WriteAsync(record, cancellationToken);
    }
}
