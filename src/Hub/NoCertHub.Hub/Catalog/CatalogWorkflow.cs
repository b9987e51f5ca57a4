using Grpc.Core;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// The catalog's propose → decide workflow (Art. 6): a department proposes an item or a change to
/// one it owns, the joint office approves or rejects it, a repeal of its legal basis takes it out
/// of force. Approved versions reach the window path through <see cref="CatalogLoader"/>.
/// </summary>
internal sealed class CatalogWorkflow(SqlCatalogStore store, CatalogSnapshot catalog, CatalogLoader loader, OversightAccess jointOffice, TimeProvider time)
{
    /// <summary>The version in force today (null when none) and every proposal ever made for the item.</summary>
    public async Task<(CatalogItem? InForce, IReadOnlyList<ProposalRecord> Proposals)> HistoryAsync(string code, CancellationToken cancellationToken)
    {
        var proposals = await store.ProposalsAsync(code, includeDecided: true, cancellationToken);
        if (proposals.Count == 0)
        {
            throw new RequestRefusedException(StatusCode.NotFound, $"no item '{code}' has ever been proposed or listed");
        }

        var today = CatalogRules.Today(time);
        var item = catalog.Find(code, today);
        return (item is not null && item.IsInForceOn(today) ? item : null, proposals);
    }

    public Task<IReadOnlyList<ProposalRecord>> ProposalsAsync(string? code, bool includeDecided, CancellationToken cancellationToken) =>
        store.ProposalsAsync(code, includeDecided, cancellationToken);

    public async Task<ProposalRecord> ProposeAsync(CatalogItemSpec spec, string department, string officer, string reason, CancellationToken cancellationToken)
    {
        var errors = CatalogRules.Validate(spec, KnownDepartments());
        if (errors.Count == 0)
        {
            errors.AddRange(DateProblems(spec));
            // Versions follow one another: a change starts after the latest version it replaces.
            if (catalog.Find(spec.Code) is { EffectiveFrom: { } latestFrom } latest && CatalogRules.ParseDay(spec.EffectiveFrom) <= latestFrom)
            {
                errors.Add($"effective_from {spec.EffectiveFrom} overlaps version {latest.Version}, in force from {CatalogRules.FormatDay(latestFrom)}: a change takes effect after the version it replaces");
            }
        }

        if (errors.Count > 0)
        {
            throw RequestRefusedException.Invalid($"the proposal for '{spec.Code}' cannot be taken: " + string.Join("; ", errors));
        }

        if (catalog.Find(spec.Code) is { } existing && existing.OwningDepartment != department && !jointOffice.IsJointOffice(department))
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied,
                $"item {spec.Code} belongs to {existing.OwningDepartment}; only that department or the joint office may propose a change to it");
        }

        var id = await store.AddProposalAsync(spec, department, officer, time.GetUtcNow(), reason, cancellationToken)
            ?? throw new RequestRefusedException(StatusCode.FailedPrecondition,
                $"item {spec.Code} already has a proposal pending; the joint office decides it before another can be made");
        return (await store.ProposalAsync(id, cancellationToken))!;
    }

    /// <summary>The joint office's decision; a rejection carries its <paramref name="note"/> (required by the caller).</summary>
    public async Task<ProposalRecord> DecideAsync(long proposalId, bool approve, string actor, string note, CancellationToken cancellationToken)
    {
        var proposal = await store.ProposalAsync(proposalId, cancellationToken)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"no proposal {proposalId}");
        if (proposal.State != ProposalState.Pending)
        {
            throw AlreadyDecided(proposal);
        }

        if (approve)
        {
            var problems = CatalogRules.Validate(proposal.Spec, KnownDepartments());
            problems.AddRange(DateProblems(proposal.Spec));
            if (problems.Count > 0)
            {
                throw new RequestRefusedException(StatusCode.FailedPrecondition,
                    $"proposal {proposal.Id} can no longer be approved as it stands ({string.Join("; ", problems)}); reject it and let the department propose again");
            }
        }

        if (!await store.DecideAsync(proposal.Id, proposal.Spec.Code, approve, actor, time.GetUtcNow(), note, cancellationToken))
        {
            throw AlreadyDecided((await store.ProposalAsync(proposal.Id, cancellationToken))!);
        }

        await loader.ReloadAsync(cancellationToken);
        return (await store.ProposalAsync(proposal.Id, cancellationToken))!;
    }

    /// <summary>Takes the item out of force from <paramref name="on"/>: a change proposed and approved at once, naming the repealing act.</summary>
    public async Task<ProposalRecord> RepealAsync(string code, DateOnly on, string act, string actor, string actorDepartment, CancellationToken cancellationToken)
    {
        var today = CatalogRules.Today(time);
        if (on < today)
        {
            throw RequestRefusedException.Invalid($"repealed_on {CatalogRules.FormatDay(on)} is in the past: the item stops on the day the repeal is recorded at the earliest ({CatalogRules.FormatDay(today)})");
        }

        var current = catalog.Find(code, on)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"item '{code}' is not in the catalog");
        if (current.EffectiveUntil is { } until && until <= on)
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"item {current.Code} is already out of force from {CatalogRules.FormatDay(until)}");
        }

        var spec = current.ToSpec();
        spec.EffectiveUntil = CatalogRules.FormatDay(on);
        if (CatalogRules.Validate(spec, KnownDepartments()) is { Count: > 0 } problems)
        {
            throw RequestRefusedException.Invalid(string.Join("; ", problems));
        }

        var id = await store.AddProposalAsync(spec, actorDepartment, actor, time.GetUtcNow(), $"legal basis repealed by {act}", cancellationToken)
            ?? throw new RequestRefusedException(StatusCode.FailedPrecondition, $"item {current.Code} has a proposal pending; decide it first");
        await store.DecideAsync(id, spec.Code, approve: true, actor, time.GetUtcNow(), $"out of force from {CatalogRules.FormatDay(on)}: legal basis repealed by {act}", cancellationToken);
        await loader.ReloadAsync(cancellationToken);
        return (await store.ProposalAsync(id, cancellationToken))!;
    }

    private HashSet<string> KnownDepartments() => loader.Departments.Keys.ToHashSet(StringComparer.Ordinal);

    private IEnumerable<string> DateProblems(CatalogItemSpec spec)
    {
        var today = CatalogRules.Today(time);
        if (CatalogRules.ParseDay(spec.EffectiveFrom)!.Value < today)
        {
            yield return $"effective_from {spec.EffectiveFrom} is in the past: an item or change takes effect on or after the day it is approved ({CatalogRules.FormatDay(today)})";
        }
    }

    private static RequestRefusedException AlreadyDecided(ProposalRecord p) => new(StatusCode.FailedPrecondition,
        $"proposal {p.Id} was already {(p.State == ProposalState.Approved ? "approved" : "rejected")} by {p.DecidedBy} at {p.DecidedAt:yyyy-MM-dd HH:mm} UTC");
}
