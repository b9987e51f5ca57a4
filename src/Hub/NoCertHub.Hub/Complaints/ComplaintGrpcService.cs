using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.V1;

namespace NoCertHub.Hub.Complaints;

/// <summary>
/// Article 15's complaints: windows and the 12345 hotline file them; the joint office assigns,
/// resolves (upheld or not, and what was done) and lists them, overdue ones included. The
/// complainant's ID is kept only keyed, under the audit trail's subject key, so the joint office
/// can answer a citizen asking about their own complaints without the store holding the ID.
/// </summary>
internal sealed class ComplaintGrpcService(
    ComplaintStore store,
    OversightAccess access,
    IDepartmentRegistry departments,
    AuditKeys keys,
    IOptions<ComplaintOptions> options,
    TimeProvider time) : ComplaintService.ComplaintServiceBase
{
    private const int MaxText = 4000;

    [Authorize(Policy = AccessPolicies.Department)]
    public override async Task<Complaint> FileComplaint(FileComplaintRequest request, ServerCallContext context)
    {
        var (officer, through) = access.Acting(context, request.Officer);
        Require(request.Channel != ComplaintChannel.Unspecified, "channel is required: window, hotline_12345 or online");
        Require(request.Kind != ComplaintKind.Unspecified, "kind is required: cancelled_certificate_demanded, check_overdue, data_misuse or other");
        TextFields.RequireIdentifier(request.Department, "department");
        if (!departments.IsKnown(request.Department))
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, $"department '{request.Department}' is not a department the hub knows");
        }

        TextFields.Require(request.Text, "text", MaxText, "what happened, in the complainant's words");
        Optional(request.Contact, "contact", 256);
        Optional(request.CaseNumber, "case_number", 128);
        OptionalIdentifier(request.ComplainantId, "complainant_id");
        OptionalIdentifier(request.RequestId, "request_id");
        OptionalIdentifier(request.EscalationRequestId, "escalation_request_id");
        Require(request.MisuseFindingId >= 0, "misuse_finding_id must not be negative");
        var now = time.GetUtcNow();
        var complaint = new ComplaintRecord
        {
            Channel = (int)request.Channel,
            Kind = (int)request.Kind,
            Department = request.Department,
            ComplainantKey = KeyOf(request.ComplainantId),
            Contact = NullIfEmpty(request.Contact),
            Text = request.Text.Trim(),
            CaseNumber = NullIfEmpty(request.CaseNumber),
            RequestId = NullIfEmpty(request.RequestId),
            EscalationRequestId = NullIfEmpty(request.EscalationRequestId),
            MisuseFindingId = request.MisuseFindingId == 0 ? null : request.MisuseFindingId,
            ReceivedAtUnixMs = now.ToUnixTimeMilliseconds(),
            ReceivedBy = officer,
            ReceivedThrough = through ?? "(uncertified caller)",
            DueAtUnixMs = (now + options.Value.HandlingLimit).ToUnixTimeMilliseconds(),
            State = "received",
        };
        var id = await store.AddAsync(complaint, context.CancellationToken);
        // The window gets the complaint back without the contact it just typed in.
        return ToMessage(complaint with { Id = id }, withContact: false, now);
    }

    [Authorize(Policy = AccessPolicies.JointOffice)]
    public override async Task<Complaint> AssignComplaint(AssignComplaintRequest request, ServerCallContext context)
    {
        var actor = access.Acting(context, request.Officer).Actor;
        TextFields.RequireIdentifier(request.Assignee, "assignee");
        var now = time.GetUtcNow();
        if (!await store.AssignAsync(request.Id, request.Assignee, actor, now, context.CancellationToken))
        {
            var existing = await Existing(request.Id, context);
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"complaint {request.Id} is {existing.State}: a resolved complaint is not assigned again");
        }

        return ToMessage(await Existing(request.Id, context), withContact: true, now);
    }

    [Authorize(Policy = AccessPolicies.JointOffice)]
    public override async Task<Complaint> ResolveComplaint(ResolveComplaintRequest request, ServerCallContext context)
    {
        var actor = access.Acting(context, request.Officer).Actor;
        Require(request.Finding != ComplaintFinding.Unspecified, "finding is required: upheld or not_upheld");
        TextFields.Require(request.ActionTaken, "action_taken", MaxText, "what was done");
        var now = time.GetUtcNow();
        if (!await store.ResolveAsync(request.Id, (int)request.Finding, request.ActionTaken.Trim(), actor, now, context.CancellationToken))
        {
            var existing = await Existing(request.Id, context);
            throw new RequestRefusedException(StatusCode.FailedPrecondition, existing.State == "received"
                ? $"complaint {request.Id} is received, not assigned: assign it to whoever handles it first"
                : $"complaint {request.Id} is already resolved");
        }

        return ToMessage(await Existing(request.Id, context), withContact: true, now);
    }

    [Authorize(Policy = AccessPolicies.JointOffice)]
    public override async Task<Complaint> GetComplaint(GetComplaintRequest request, ServerCallContext context) =>
        ToMessage(await Existing(request.Id, context), withContact: true, time.GetUtcNow());

    [Authorize(Policy = AccessPolicies.JointOffice)]
    public override async Task<ListComplaintsResponse> ListComplaints(ListComplaintsRequest request, ServerCallContext context)
    {
        var limit = PageLimit.Parse(request.Limit, "limit");
        if (request.Department.Length > 0)
        {
            TextFields.RequireIdentifier(request.Department, "department");
        }

        OptionalIdentifier(request.ComplainantId, "complainant_id");
        var now = time.GetUtcNow();
        var filter = new ComplaintFilter(
            request.State == ComplaintState.Unspecified ? null : StateName(request.State),
            NullIfEmpty(request.Department),
            KeyOf(request.ComplainantId),
            request.OverdueOnly ? now.ToUnixTimeMilliseconds() : null);
        var (complaints, total) = await store.ListAsync(filter, limit, context.CancellationToken);
        var response = new ListComplaintsResponse { Total = total };
        response.Complaints.Add(complaints.Select(c => ToMessage(c, withContact: true, now)));
        return response;
    }

    private async Task<ComplaintRecord> Existing(long id, ServerCallContext context)
    {
        Require(id > 0, "id is required: the complaint's number");
        return await store.GetAsync(id, context.CancellationToken)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"no complaint {id}");
    }

    /// <summary>The complainant's ID as the store keeps it: HMAC-SHA256 under the audit trail's subject key, hex.</summary>
    private string? KeyOf(string complainantId) =>
        string.IsNullOrEmpty(complainantId) ? null : Convert.ToHexStringLower(HMACSHA256.HashData(keys.SubjectKey, Encoding.UTF8.GetBytes(complainantId.ToUpperInvariant())));

    private static Complaint ToMessage(ComplaintRecord c, bool withContact, DateTimeOffset now)
    {
        var message = new Complaint
        {
            Id = c.Id,
            Channel = (ComplaintChannel)c.Channel,
            Kind = (ComplaintKind)c.Kind,
            Department = c.Department,
            State = c.State switch { "assigned" => ComplaintState.Assigned, "resolved" => ComplaintState.Resolved, _ => ComplaintState.Received },
            Text = c.Text,
            CaseNumber = c.CaseNumber ?? "",
            RequestId = c.RequestId ?? "",
            EscalationRequestId = c.EscalationRequestId ?? "",
            MisuseFindingId = c.MisuseFindingId ?? 0,
            ReceivedAt = At(c.ReceivedAtUnixMs),
            ReceivedBy = c.ReceivedBy,
            ReceivedThrough = c.ReceivedThrough,
            AssignedTo = c.AssignedTo ?? "",
            AssignedBy = c.AssignedBy ?? "",
            AssignedAt = c.AssignedAtUnixMs is { } assigned ? At(assigned) : null,
            Finding = (ComplaintFinding)(c.Finding ?? 0),
            ActionTaken = c.ActionTaken ?? "",
            ResolvedBy = c.ResolvedBy ?? "",
            ResolvedAt = c.ResolvedAtUnixMs is { } resolved ? At(resolved) : null,
            DueAt = At(c.DueAtUnixMs),
            Overdue = c.State != "resolved" && c.DueAtUnixMs < now.ToUnixTimeMilliseconds(),
            Contact = withContact ? c.Contact ?? "" : "",
        };
        return message;
    }

    private static Timestamp At(long unixMs) => Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    private static string StateName(ComplaintState state) => state switch
    {
        ComplaintState.Received => "received",
        ComplaintState.Assigned => "assigned",
        ComplaintState.Resolved => "resolved",
        _ => throw new RequestRefusedException(StatusCode.InvalidArgument, $"state {(int)state} is not a complaint state"),
    };

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, message);
        }
    }

    private static void Optional(string value, string field, int maxLength)
    {
        if (value.Length > 0)
        {
            TextFields.Require(value, field, maxLength);
        }
    }

    private static void OptionalIdentifier(string value, string field)
    {
        if (value.Length > 0)
        {
            TextFields.RequireIdentifier(value, field);
        }
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
