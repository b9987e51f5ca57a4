using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Requests;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// The catalog and its rules through gRPC: the public list, the propose → decide workflow, the
/// violation registry and commitment eligibility, and the ledgers. Departments act as the
/// certificate proves (or as declared, where no certificate is presented); the joint office's
/// actions go through <see cref="OversightAccess"/>.
/// </summary>
internal sealed class CatalogGrpcService(
    SqlCatalogStore store,
    CatalogSnapshot catalog,
    CatalogLoader loader,
    OversightAccess jointOffice,
    ICallerIdentityResolver identity,
    IRequestStore requests,
    TimeProvider time) : CatalogService.CatalogServiceBase
{
    private const int MaxText = 2048;

    public override Task<ListItemsResponse> ListItems(ListItemsRequest request, ServerCallContext context)
    {
        var day = DayOrToday(request.On, "on");
        var response = new ListItemsResponse { On = Format(day) };
        response.Items.Add(catalog.InForceOn(day).Select(i => i.ToSpec()));
        return Task.FromResult(response);
    }

    public override async Task<CatalogItemHistory> GetItem(GetItemRequest request, ServerCallContext context)
    {
        var proposals = await store.ProposalsAsync(request.Code, includeDecided: true, context.CancellationToken);
        if (proposals.Count == 0)
        {
            throw new RequestRefusedException(StatusCode.NotFound, $"no item '{request.Code}' has ever been proposed or listed");
        }

        var history = new CatalogItemHistory();
        if (catalog.Find(request.Code, CatalogRules.Today(time)) is { } item && item.IsInForceOn(CatalogRules.Today(time)))
        {
            history.InForce = item.ToSpec();
        }

        history.Proposals.Add(proposals.Select(ToMessage));
        return history;
    }

    public override async Task<CatalogProposal> Propose(ProposeRequest request, ServerCallContext context)
    {
        var (department, officer) = Department(context, request.DepartmentDeclared, request.OfficerDeclared);
        var spec = request.Spec ?? throw Invalid("spec is required");
        var reason = Required(request.Reason, "reason", "why the item is needed or changed");
        var today = CatalogRules.Today(time);
        var errors = CatalogRules.Validate(spec, loader.Departments.Keys.ToHashSet(StringComparer.Ordinal));
        if (errors.Count == 0)
        {
            errors.AddRange(DateProblems(spec, today));
            // Versions follow one another: a change starts after the latest version it replaces.
            if (catalog.Find(spec.Code) is { EffectiveFrom: { } latestFrom } latest && CatalogRules.ParseDay(spec.EffectiveFrom) <= latestFrom)
            {
                errors.Add($"effective_from {spec.EffectiveFrom} overlaps version {latest.Version}, in force from {Format(latestFrom)}: a change takes effect after the version it replaces");
            }
        }

        if (errors.Count > 0)
        {
            throw Invalid($"the proposal for '{spec.Code}' cannot be taken: " + string.Join("; ", errors));
        }

        if (catalog.Find(spec.Code) is { } existing && existing.OwningDepartment != department && !jointOffice.IsJointOffice(department))
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied,
                $"item {spec.Code} belongs to {existing.OwningDepartment}; only that department or the joint office may propose a change to it");
        }

        var id = await store.AddProposalAsync(spec, department, officer, time.GetUtcNow(), reason, context.CancellationToken)
            ?? throw new RequestRefusedException(StatusCode.FailedPrecondition,
                $"item {spec.Code} already has a proposal pending; the joint office decides it before another can be made");
        return ToMessage((await store.ProposalAsync(id, context.CancellationToken))!);
    }

    public override async Task<ListProposalsResponse> ListProposals(ListProposalsRequest request, ServerCallContext context)
    {
        var proposals = await store.ProposalsAsync(string.IsNullOrEmpty(request.Code) ? null : request.Code, request.IncludeDecided, context.CancellationToken);
        var response = new ListProposalsResponse();
        response.Proposals.Add(proposals.Select(ToMessage));
        return response;
    }

    public override async Task<CatalogProposal> Decide(DecideRequest request, ServerCallContext context)
    {
        var (actor, _) = jointOffice.Authorize(context, request.OfficerDeclared);
        var proposal = await store.ProposalAsync(request.ProposalId, context.CancellationToken)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"no proposal {request.ProposalId}");
        if (proposal.State != ProposalState.Pending)
        {
            throw AlreadyDecided(proposal);
        }

        if (!request.Approve)
        {
            Required(request.Note, "note", "a rejection says why, for the proposing department");
        }
        else
        {
            var problems = CatalogRules.Validate(proposal.Spec, loader.Departments.Keys.ToHashSet(StringComparer.Ordinal));
            problems.AddRange(DateProblems(proposal.Spec, CatalogRules.Today(time)));
            if (problems.Count > 0)
            {
                throw new RequestRefusedException(StatusCode.FailedPrecondition,
                    $"proposal {proposal.Id} can no longer be approved as it stands ({string.Join("; ", problems)}); reject it and let the department propose again");
            }
        }

        if (!await store.DecideAsync(proposal.Id, proposal.Spec.Code, request.Approve, actor, time.GetUtcNow(), request.Note.Trim(), context.CancellationToken))
        {
            throw AlreadyDecided((await store.ProposalAsync(proposal.Id, context.CancellationToken))!);
        }

        await loader.ReloadAsync(context.CancellationToken);
        return ToMessage((await store.ProposalAsync(proposal.Id, context.CancellationToken))!);
    }

    public override async Task<CatalogProposal> Repeal(RepealRequest request, ServerCallContext context)
    {
        var (actor, actorDepartment) = jointOffice.Authorize(context, request.OfficerDeclared);
        var act = Required(request.RepealingAct, "repealing_act", "the act that repeals the item's legal basis");
        var on = Day(request.RepealedOn, "repealed_on") ?? throw Invalid("repealed_on is required");
        var today = CatalogRules.Today(time);
        if (on < today)
        {
            throw Invalid($"repealed_on {Format(on)} is in the past: the item stops on the day the repeal is recorded at the earliest ({Format(today)})");
        }

        var current = catalog.Find(request.Code, on)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"item '{request.Code}' is not in the catalog");
        if (current.EffectiveUntil is { } until && until <= on)
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"item {current.Code} is already out of force from {Format(until)}");
        }

        var spec = current.ToSpec();
        spec.EffectiveUntil = Format(on);
        if (CatalogRules.Validate(spec, loader.Departments.Keys.ToHashSet(StringComparer.Ordinal)) is { Count: > 0 } problems)
        {
            throw Invalid(string.Join("; ", problems));
        }

        var id = await store.AddProposalAsync(spec, actorDepartment ?? "jj-joint-office", actor, time.GetUtcNow(), $"legal basis repealed by {act}", context.CancellationToken)
            ?? throw new RequestRefusedException(StatusCode.FailedPrecondition, $"item {current.Code} has a proposal pending; decide it first");
        await store.DecideAsync(id, spec.Code, approve: true, actor, time.GetUtcNow(), $"out of force from {Format(on)}: legal basis repealed by {act}", context.CancellationToken);
        await loader.ReloadAsync(context.CancellationToken);
        return ToMessage((await store.ProposalAsync(id, context.CancellationToken))!);
    }

    public override async Task<CommitmentEligibility> CheckCommitmentEligibility(CommitmentEligibilityRequest request, ServerCallContext context)
    {
        var subject = ValidSubject(request.Subject);
        var day = DayOrToday(request.On, "on");
        var item = catalog.Find(request.ItemCode, day)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"item '{request.ItemCode}' is not in the catalog (Art. 6)");
        if (!item.IsInForceOn(day))
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"item {item.Code} ({item.Name}) is not in force on {Format(day)} (Art. 6)");
        }

        var violations = await store.ViolationsOfAsync(subject.Kind.ToString(), subject.Id, context.CancellationToken);
        var (eligible, reason, bans) = CommitmentRules.Evaluate(item, violations, day);
        var response = new CommitmentEligibility { Eligible = eligible, Reason = reason };
        response.Bans.Add(bans.Select(ToMessage));
        return response;
    }

    public override async Task<Violation> RecordViolation(RecordViolationRequest request, ServerCallContext context)
    {
        var (actor, _) = jointOffice.Authorize(context, request.OfficerDeclared);
        var subject = ValidSubject(request.Subject);
        var reason = Required(request.Reason, "reason", "the commitment broken");
        var source = Required(request.Source, "source", "the decision or body that found the violation");
        var starts = Day(request.StartsOn, "starts_on") ?? throw Invalid("starts_on is required");
        var ends = Day(request.EndsOn, "ends_on");
        if (ends is { } e && e <= starts)
        {
            throw Invalid($"ends_on {Format(e)} is not after starts_on {Format(starts)}: a ban must last at least a day (the district's rule is two years; leave ends_on empty for until credit repair)");
        }

        var id = await store.AddViolationAsync(subject.Kind.ToString(), subject.Id, reason, starts, ends, source, actor, time.GetUtcNow(), context.CancellationToken);
        return ToMessage((await store.ViolationAsync(id, context.CancellationToken))!);
    }

    public override async Task<Violation> LiftViolation(LiftViolationRequest request, ServerCallContext context)
    {
        var (actor, _) = jointOffice.Authorize(context, request.OfficerDeclared);
        var reason = Required(request.Reason, "reason", "how the applicant's credit was repaired");
        var on = Day(request.LiftedOn, "lifted_on") ?? CatalogRules.Today(time);
        var ban = await store.ViolationAsync(request.Id, context.CancellationToken)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"no violation {request.Id}");
        if (ban.EndsOn is { } end)
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"violation {ban.Id} is a fixed-term ban; it ends on its own on {Format(end)}");
        }

        if (on < ban.StartsOn || !await store.LiftViolationAsync(ban.Id, on, actor, reason, context.CancellationToken))
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition,
                ban.LiftedOn is { } lifted ? $"violation {ban.Id} was already lifted on {Format(lifted)}" : $"lifted_on {Format(on)} is before the ban started ({Format(ban.StartsOn)})");
        }

        return ToMessage((await store.ViolationAsync(ban.Id, context.CancellationToken))!);
    }

    public override async Task<ListViolationsResponse> ListViolations(ListViolationsRequest request, ServerCallContext context)
    {
        jointOffice.Authorize(context, declaredOfficer: null);
        var subject = ValidSubject(request.Subject);
        var response = new ListViolationsResponse();
        response.Violations.Add((await store.ViolationsOfAsync(subject.Kind.ToString(), subject.Id, context.CancellationToken)).Select(ToMessage));
        return response;
    }

    public override async Task<LedgerEntry> RecordSupplement(RecordSupplementRequest request, ServerCallContext context)
    {
        var (department, officer) = Department(context, request.DepartmentDeclared, request.OfficerDeclared);
        var material = Required(request.Material, "material", "what the applicant is asked to provide");
        var stored = await requests.GetAsync(request.RequestId, context.CancellationToken)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"no request '{request.RequestId}' is on record");
        if (stored.Request.Requester.Department != department)
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied, $"request {request.RequestId} was made by {stored.Request.Requester.Department}, not {department}");
        }

        if (stored.Result is not { } result)
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"request {request.RequestId} has not been answered yet; a supplement follows an answer (Art. 12)");
        }

        if (result.Verdict is not (Verdict.NotFound or Verdict.Mismatch or Verdict.NeedsSupplement))
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition,
                $"request {request.RequestId} was answered {result.Verdict}: supplementary material may be asked for only when nothing was found or the record contradicts the claim (Art. 12)");
        }

        return await AddLedgerAsync(new LedgerRecord(0, LedgerKind.Supplement, department, stored.Request.CaseNumber, request.RequestId, stored.Receipt.ItemCode,
            stored.Request.Subject.Kind.ToString(), stored.Request.Subject.Id, material, Optional(request.Note), officer, time.GetUtcNow()), context.CancellationToken);
    }

    public override async Task<LedgerEntry> RecordVoluntaryProvision(RecordVoluntaryProvisionRequest request, ServerCallContext context)
    {
        var (department, officer) = Department(context, request.DepartmentDeclared, request.OfficerDeclared);
        var caseNumber = Required(request.CaseNumber, "case_number", "the case the material was handed in for");
        var material = Required(request.Material, "material", "what the applicant handed in");
        var subject = ValidSubject(request.Subject);
        if (catalog.Find(request.ItemCode) is null)
        {
            throw new RequestRefusedException(StatusCode.NotFound, $"item '{request.ItemCode}' is not in the catalog");
        }

        return await AddLedgerAsync(new LedgerRecord(0, LedgerKind.Voluntary, department, caseNumber, null, request.ItemCode,
            subject.Kind.ToString(), subject.Id, material, Optional(request.Note), officer, time.GetUtcNow()), context.CancellationToken);
    }

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
        var entries = await store.LedgerAsync(NullIfEmpty(request.Department), NullIfEmpty(request.CaseNumber), request.Kind, limit, context.CancellationToken);
        var response = new ListLedgerResponse();
        response.Entries.Add(entries.Select(ToMessage));
        return response;
    }

    private async Task<LedgerEntry> AddLedgerAsync(LedgerRecord entry, CancellationToken cancellationToken)
    {
        var id = await store.AddLedgerAsync(entry, cancellationToken);
        return ToMessage(entry with { Id = id });
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

    private static IEnumerable<string> DateProblems(CatalogItemSpec spec, DateOnly today)
    {
        var from = CatalogRules.ParseDay(spec.EffectiveFrom)!.Value;
        if (from < today)
        {
            yield return $"effective_from {spec.EffectiveFrom} is in the past: an item or change takes effect on or after the day it is approved ({Format(today)})";
        }
    }

    private CatalogProposal ToMessage(ProposalRecord p)
    {
        var message = new CatalogProposal
        {
            Id = p.Id,
            Spec = p.Spec,
            State = p.State,
            Version = p.Version ?? 0,
            ProposingDepartment = p.ProposingDepartment,
            ProposedBy = p.ProposedBy,
            ProposedAt = Timestamp.FromDateTimeOffset(p.ProposedAt),
            Reason = p.Reason,
            DecidedBy = p.DecidedBy ?? "",
            DecisionNote = p.DecisionNote ?? "",
        };
        if (p.DecidedAt is { } at)
        {
            message.DecidedAt = Timestamp.FromDateTimeOffset(at);
        }

        return message;
    }

    private static Violation ToMessage(ViolationRecord v) => new()
    {
        Id = v.Id,
        Subject = new Subject { Kind = System.Enum.Parse<SubjectKind>(v.SubjectKind), Id = v.SubjectId },
        Reason = v.Reason,
        StartsOn = Format(v.StartsOn),
        EndsOn = v.EndsOn is { } e ? Format(e) : "",
        Source = v.Source,
        RecordedBy = v.RecordedBy,
        RecordedAt = Timestamp.FromDateTimeOffset(v.RecordedAt),
        LiftedOn = v.LiftedOn is { } l ? Format(l) : "",
        LiftedBy = v.LiftedBy ?? "",
        LiftReason = v.LiftReason ?? "",
    };

    private static LedgerEntry ToMessage(LedgerRecord e) => new()
    {
        Id = e.Id,
        Kind = e.Kind,
        Department = e.Department,
        CaseNumber = e.CaseNumber,
        RequestId = e.RequestId ?? "",
        ItemCode = e.ItemCode ?? "",
        Subject = e.SubjectId is null ? null : new Subject { Kind = System.Enum.Parse<SubjectKind>(e.SubjectKind!), Id = e.SubjectId },
        Material = e.Material,
        Note = e.Note ?? "",
        RecordedBy = e.RecordedBy,
        RecordedAt = Timestamp.FromDateTimeOffset(e.RecordedAt),
    };

    private static RequestRefusedException AlreadyDecided(ProposalRecord p) => new(StatusCode.FailedPrecondition,
        $"proposal {p.Id} was already {(p.State == ProposalState.Approved ? "approved" : "rejected")} by {p.DecidedBy} at {p.DecidedAt:yyyy-MM-dd HH:mm} UTC");

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

    private static string Format(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static RequestRefusedException Invalid(string message) => RequestRefusedException.Invalid(message);
}
