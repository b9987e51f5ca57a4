using Grpc.Core;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.V1;
using static NoCertHub.Hub.Catalog.CatalogMessages;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// The catalog and its rules through gRPC: the public list, the propose → decide workflow, the
/// violation registry and commitment eligibility, and the ledgers. This adapter only establishes
/// who acts (departments as the certificate proves, or as declared where none is presented; the
/// joint office through <see cref="OversightAccess"/>), reads the request's fields, and maps the
/// result; the rules live in <see cref="CatalogWorkflow"/>, <see cref="CommitmentRegistry"/> and
/// <see cref="CatalogLedgers"/>.
/// </summary>
internal sealed class CatalogGrpcService(
    CatalogSnapshot catalog,
    CatalogWorkflow workflow,
    CommitmentRegistry commitments,
    CatalogLedgers ledgers,
    CatalogLoader loader,
    OversightAccess jointOffice,
    ICallerIdentityResolver identity,
    IAuditLog audit,
    IOptions<HubOptions> hub,
    TimeProvider time) : CatalogService.CatalogServiceBase
{
    private const int MaxText = 2048;

    [Authorize(Policy = AccessPolicies.AnyCertified)]
    public override Task<ListItemsResponse> ListItems(ListItemsRequest request, ServerCallContext context)
    {
        var day = DayOrToday(request.On, "on");
        var response = new ListItemsResponse { On = CatalogRules.FormatDay(day) };
        response.Items.Add(catalog.InForceOn(day).Select(i => i.ToSpec()));
        return Task.FromResult(response);
    }

    [Authorize(Policy = AccessPolicies.AnyCertified)]
    public override async Task<CatalogItemHistory> GetItem(GetItemRequest request, ServerCallContext context)
    {
        var (inForce, proposals) = await workflow.HistoryAsync(request.Code, context.CancellationToken);
        var history = new CatalogItemHistory { InForce = inForce?.ToSpec() };
        history.Proposals.Add(proposals.Select(ToMessage));
        return history;
    }

    [Authorize(Policy = AccessPolicies.Department)]
    public override async Task<CatalogProposal> Propose(ProposeRequest request, ServerCallContext context)
    {
        var (department, officer) = Department(context, request.DepartmentDeclared, request.OfficerDeclared);
        var spec = request.Spec ?? throw Invalid("spec is required");
        var reason = Required(request.Reason, "reason", "why the item is needed or changed");
        return ToMessage(await workflow.ProposeAsync(spec, department, officer, reason, context.CancellationToken));
    }

    [Authorize(Policy = AccessPolicies.AnyCertified)]
    public override async Task<ListProposalsResponse> ListProposals(ListProposalsRequest request, ServerCallContext context)
    {
        var proposals = await workflow.ProposalsAsync(NullIfEmpty(request.Code), request.IncludeDecided, context.CancellationToken);
        var response = new ListProposalsResponse();
        response.Proposals.Add(proposals.Select(ToMessage));
        return response;
    }

    [Authorize(Policy = AccessPolicies.JointOffice)]
    public override async Task<CatalogProposal> Decide(DecideRequest request, ServerCallContext context)
    {
        var (actor, _) = jointOffice.Acting(context, request.OfficerDeclared);
        var note = request.Approve ? request.Note.Trim() : Required(request.Note, "note", "a rejection says why, for the proposing department");
        return ToMessage(await workflow.DecideAsync(request.ProposalId, request.Approve, actor, note, context.CancellationToken));
    }

    [Authorize(Policy = AccessPolicies.JointOffice)]
    public override async Task<CatalogProposal> Repeal(RepealRequest request, ServerCallContext context)
    {
        var (actor, actorDepartment) = jointOffice.Acting(context, request.OfficerDeclared);
        var act = Required(request.RepealingAct, "repealing_act", "the act that repeals the item's legal basis");
        var on = Day(request.RepealedOn, "repealed_on") ?? throw Invalid("repealed_on is required");
        return ToMessage(await workflow.RepealAsync(request.Code, on, act, actor, actorDepartment ?? "jj-joint-office", context.CancellationToken));
    }

    [Authorize(Policy = AccessPolicies.Window)]
    public override async Task<CommitmentEligibility> CheckCommitmentEligibility(CommitmentEligibilityRequest request, ServerCallContext context)
    {
        var subject = ValidSubject(request.Subject);
        var day = DayOrToday(request.On, "on");
        var (eligible, reason, bans) = await commitments.EligibilityAsync(subject, request.ItemCode, day, context.CancellationToken);
        // Whether a person is under a ban is personal data: the check is a lookup, on the trail before the answer.
        var caller = identity.Resolve(context);
        await audit.WriteAsync(new AuditRecord
        {
            RecordedAt = time.GetUtcNowMilliseconds(),
            Kind = AuditKind.Read,
            ItemCode = request.ItemCode,
            SubjectKind = subject.Kind.ToString(),
            SubjectId = subject.Id,
            RequesterDepartment = caller?.Department,
            Window = caller?.Name,
            Officer = caller?.Officer ?? "(declared, no certificate)",
            HubInstance = hub.Value.InstanceId,
            Reason = $"commitment eligibility on {CatalogRules.FormatDay(day)}: {(eligible ? "eligible" : "not eligible")}",
        }, context.CancellationToken);
        var response = new CommitmentEligibility { Eligible = eligible, Reason = reason };
        response.Bans.Add(bans.Select(ToMessage));
        return response;
    }

    [Authorize(Policy = AccessPolicies.JointOffice)]
    public override async Task<Violation> RecordViolation(RecordViolationRequest request, ServerCallContext context)
    {
        var (actor, _) = jointOffice.Acting(context, request.OfficerDeclared);
        var subject = ValidSubject(request.Subject);
        var reason = Required(request.Reason, "reason", "the commitment broken");
        var source = Required(request.Source, "source", "the decision or body that found the violation");
        var starts = Day(request.StartsOn, "starts_on") ?? throw Invalid("starts_on is required");
        var ends = Day(request.EndsOn, "ends_on");
        return ToMessage(await commitments.RecordAsync(subject, reason, source, starts, ends, actor, time.GetUtcNow(), context.CancellationToken));
    }

    [Authorize(Policy = AccessPolicies.JointOffice)]
    public override async Task<Violation> LiftViolation(LiftViolationRequest request, ServerCallContext context)
    {
        var (actor, _) = jointOffice.Acting(context, request.OfficerDeclared);
        var reason = Required(request.Reason, "reason", "how the applicant's credit was repaired");
        var on = DayOrToday(request.LiftedOn, "lifted_on");
        return ToMessage(await commitments.LiftAsync(request.Id, on, actor, reason, context.CancellationToken));
    }

    [Authorize(Policy = AccessPolicies.JointOffice)]
    public override async Task<ListViolationsResponse> ListViolations(ListViolationsRequest request, ServerCallContext context)
    {
        var subject = ValidSubject(request.Subject);
        var response = new ListViolationsResponse();
        response.Violations.Add((await commitments.ViolationsOfAsync(subject, context.CancellationToken)).Select(ToMessage));
        return response;
    }

    [Authorize(Policy = AccessPolicies.Window)]
    public override async Task<LedgerEntry> RecordSupplement(RecordSupplementRequest request, ServerCallContext context)
    {
        var (department, officer) = Department(context, request.DepartmentDeclared, request.OfficerDeclared);
        var material = Required(request.Material, "material", "what the applicant is asked to provide");
        return ToMessage(await ledgers.RecordSupplementAsync(request.RequestId, department, officer, material, Optional(request.Note), context.CancellationToken));
    }

    [Authorize(Policy = AccessPolicies.Window)]
    public override async Task<LedgerEntry> RecordVoluntaryProvision(RecordVoluntaryProvisionRequest request, ServerCallContext context)
    {
        var (department, officer) = Department(context, request.DepartmentDeclared, request.OfficerDeclared);
        var caseNumber = Required(request.CaseNumber, "case_number", "the case the material was handed in for");
        var material = Required(request.Material, "material", "what the applicant handed in");
        var subject = ValidSubject(request.Subject);
        return ToMessage(await ledgers.RecordVoluntaryAsync(department, officer, caseNumber, request.ItemCode, subject, material, Optional(request.Note), context.CancellationToken));
    }

    [Authorize(Policy = AccessPolicies.Department)]
    public override async Task<ListLedgerResponse> ListLedger(ListLedgerRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Department) && string.IsNullOrWhiteSpace(request.CaseNumber))
        {
            throw Invalid("department or case_number is required");
        }

        var caller = identity.Resolve(context);
        if (caller?.Department is { } own && !jointOffice.IsJointOffice(own) && own != request.Department)
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied, $"{caller.Officer} of {own} may list only {own}'s ledger");
        }

        var limit = PageLimit.Parse(request.Limit, "limit");
        var entries = await ledgers.ListAsync(NullIfEmpty(request.Department), NullIfEmpty(request.CaseNumber), request.Kind, limit, context.CancellationToken);
        var response = new ListLedgerResponse();
        response.Entries.Add(entries.Select(ToMessage));
        return response;
    }

    /// <summary>The acting department and officer: from the certificate, or as declared where none is presented.</summary>
    private (string Department, string Officer) Department(ServerCallContext context, string declaredDepartment, string declaredOfficer)
    {
        var caller = identity.Resolve(context);
        var department = caller?.Department ?? declaredDepartment.Trim();
        var officer = caller?.Officer ?? declaredOfficer.Trim();
        if (department.Length == 0 || officer.Length == 0)
        {
            throw new RequestRefusedException(StatusCode.Unauthenticated, "a client certificate, or department_declared and officer_declared, is required");
        }

        if (!loader.Departments.ContainsKey(department))
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied, $"'{department}' is not a known department");
        }

        return (department, caller is null ? officer + " (declared, no certificate)" : officer);
    }

    private static Subject ValidSubject(Subject? subject)
    {
        if (subject is null)
        {
            throw Invalid("subject is required");
        }

        SubjectIds.Validate(subject, "subject");
        return subject;
    }

    private DateOnly DayOrToday(string value, string field) => Day(value, field) ?? CatalogRules.Today(time);

    private static DateOnly? Day(string value, string field) =>
        CatalogRules.TryParseDay(value, out var day) ? day : throw Invalid($"{field} '{value}' is not a day written yyyy-MM-dd");

    private static string Required(string value, string field, string what)
    {
        var trimmed = value.Trim();
        return trimmed.Length is > 0 and <= MaxText ? trimmed : throw Invalid($"{field} is required ({what}), at most {MaxText} characters");
    }

    private static string? Optional(string value) => value.Trim() is { Length: > 0 } v ? (v.Length <= MaxText ? v : throw Invalid($"note is longer than {MaxText} characters")) : null;

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static RequestRefusedException Invalid(string message) => RequestRefusedException.Invalid(message);
}
