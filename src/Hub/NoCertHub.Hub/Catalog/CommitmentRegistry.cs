using Grpc.Core;
using NoCertHub.Hub.Core;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// The commitment system's violation registry (Art. 14): bans the joint office records and lifts,
/// and whether a subject may use a commitment in place of an item on a given day.
/// </summary>
internal sealed class CommitmentRegistry(SqlCatalogStore store, CatalogSnapshot catalog)
{
    public async Task<(bool Eligible, string Reason, IReadOnlyList<ViolationRecord> Bans)> EligibilityAsync(Subject subject, string itemCode, DateOnly day, CancellationToken cancellationToken)
    {
        var item = catalog.Find(itemCode, day)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"item '{itemCode}' is not in the catalog (Art. 6)");
        if (!item.IsInForceOn(day))
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"item {item.Code} ({item.Name}) is not in force on {CatalogRules.FormatDay(day)} (Art. 6)");
        }

        return CommitmentRules.Evaluate(item, await ViolationsOfAsync(subject, cancellationToken), day);
    }

    public Task<IReadOnlyList<ViolationRecord>> ViolationsOfAsync(Subject subject, CancellationToken cancellationToken) =>
        store.ViolationsOfAsync(subject.Kind.ToString(), subject.Id, cancellationToken);

    /// <summary>Records a ban from <paramref name="starts"/> to <paramref name="ends"/> (exclusive; null: until credit repair).</summary>
    public async Task<ViolationRecord> RecordAsync(Subject subject, string reason, string source, DateOnly starts, DateOnly? ends, string actor, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (ends is { } e && e <= starts)
        {
            throw RequestRefusedException.Invalid($"ends_on {CatalogRules.FormatDay(e)} is not after starts_on {CatalogRules.FormatDay(starts)}: a ban must last at least a day (the district's rule is two years; leave ends_on empty for until credit repair)");
        }

        var id = await store.AddViolationAsync(subject.Kind.ToString(), subject.Id, reason, starts, ends, source, actor, at, cancellationToken);
        return (await store.ViolationAsync(id, cancellationToken))!;
    }

    /// <summary>Lifts an open-ended ban on credit repair, from <paramref name="on"/>.</summary>
    public async Task<ViolationRecord> LiftAsync(long id, DateOnly on, string actor, string reason, CancellationToken cancellationToken)
    {
        var ban = await store.ViolationAsync(id, cancellationToken)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"no violation {id}");
        if (ban.EndsOn is { } end)
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"violation {ban.Id} is a fixed-term ban; it ends on its own on {CatalogRules.FormatDay(end)}");
        }

        if (on < ban.StartsOn || !await store.LiftViolationAsync(ban.Id, on, actor, reason, cancellationToken))
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition,
                ban.LiftedOn is { } lifted ? $"violation {ban.Id} was already lifted on {CatalogRules.FormatDay(lifted)}" : $"lifted_on {CatalogRules.FormatDay(on)} is before the ban started ({CatalogRules.FormatDay(ban.StartsOn)})");
        }

        return (await store.ViolationAsync(ban.Id, cancellationToken))!;
    }
}
