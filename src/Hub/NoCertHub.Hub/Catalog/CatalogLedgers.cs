using Grpc.Core;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Requests;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// The ledgers a department keeps of what it still asked applicants for: supplementary material
/// after an answer that found nothing or contradicted the claim (Art. 12), and material an
/// applicant handed in of their own accord.
/// </summary>
internal sealed class CatalogLedgers(SqlCatalogStore store, CatalogSnapshot catalog, IRequestStore requests, TimeProvider time)
{
    public async Task<LedgerRecord> RecordSupplementAsync(string requestId, string department, string officer, string material, string? note, CancellationToken cancellationToken)
    {
        var stored = await requests.GetAsync(requestId, cancellationToken)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"no request '{requestId}' is on record");
        if (stored.Request.Requester.Department != department)
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied, $"request {requestId} was made by {stored.Request.Requester.Department}, not {department}");
        }

        if (stored.Result is not { } result)
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"request {requestId} has not been answered yet; a supplement follows an answer (Art. 12)");
        }

        if (result.Verdict is not (Verdict.NotFound or Verdict.Mismatch or Verdict.NeedsSupplement))
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition,
                $"request {requestId} was answered {result.Verdict}: supplementary material may be asked for only when nothing was found or the record contradicts the claim (Art. 12)");
        }

        return await AddAsync(new LedgerRecord(0, LedgerKind.Supplement, department, stored.Request.CaseNumber, requestId, stored.Receipt.ItemCode,
            stored.Request.Subject.Kind.ToString(), stored.Request.Subject.Id, material, note, officer, time.GetUtcNow()), cancellationToken);
    }

    public async Task<LedgerRecord> RecordVoluntaryAsync(string department, string officer, string caseNumber, string itemCode, Subject subject, string material, string? note, CancellationToken cancellationToken)
    {
        if (catalog.Find(itemCode) is null)
        {
            throw new RequestRefusedException(StatusCode.NotFound, $"item '{itemCode}' is not in the catalog");
        }

        return await AddAsync(new LedgerRecord(0, LedgerKind.Voluntary, department, caseNumber, null, itemCode,
            subject.Kind.ToString(), subject.Id, material, note, officer, time.GetUtcNow()), cancellationToken);
    }

    public Task<IReadOnlyList<LedgerRecord>> ListAsync(string? department, string? caseNumber, LedgerKind kind, int max, CancellationToken cancellationToken) =>
        store.LedgerAsync(department, caseNumber, kind, max, cancellationToken);

    private async Task<LedgerRecord> AddAsync(LedgerRecord entry, CancellationToken cancellationToken) =>
        entry with { Id = await store.AddLedgerAsync(entry, cancellationToken) };
}
