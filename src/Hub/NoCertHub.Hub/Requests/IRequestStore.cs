using NoCertHub.V1;

namespace NoCertHub.Hub.Requests;

/// <summary>
/// The durable record of every accepted request, its Article 11 deadline and its result, and
/// each window's ordered result history that Watch resumes from. Shared by every hub instance.
/// </summary>
internal interface IRequestStore
{
    /// <summary>
    /// Records an accepted request and its deadline. Returns the id of the request on record: the
    /// new one, or the first one if <paramref name="clientRequestId"/> was used before.
    /// </summary>
    Task<string> AcceptAsync(AcceptedRequest request, string? clientRequestId, CancellationToken cancellationToken);

    /// <summary>Waits until what this hub has recorded so far is on disk (a request accepted without its receipt, before promising anything about it).</summary>
    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>Records that an agent has the request; best effort, for Get only.</summary>
    void MarkAssigned(string requestId);

    /// <summary>
    /// Records the result, takes the request off the deadline set and appends it to the window's
    /// history, atomically and exactly once. <paramref name="unrecorded"/>: the request as accepted,
    /// for one whose acceptance may not be written yet (a Verify answered within its delay); it
    /// is then recorded in the same write if it is not on record.
    /// </summary>
    Task<CompletionOutcome> CompleteAsync(string windowId, VerificationResult result, AcceptedRequest? unrecorded, CancellationToken cancellationToken);

    Task<StoredRequest?> GetAsync(string requestId, CancellationToken cancellationToken);

    /// <summary>
    /// Unanswered requests whose routing hub is one of <paramref name="owners"/> (pending ones, and
    /// escalated ones not yet answered), each with its owner.
    /// </summary>
    Task<IReadOnlyList<(string RequestId, string Owner)>> FindUnansweredOfAsync(IReadOnlySet<string> owners, CancellationToken cancellationToken);

    /// <summary>
    /// Makes this hub the one routing the request if it is unanswered and still owned by
    /// <paramref name="previousOwner"/>; the request, or null if another hub got there first.
    /// </summary>
    Task<AdoptedRequest?> AdoptAsync(string requestId, string previousOwner, CancellationToken cancellationToken);

    /// <summary>Results of one window after <paramref name="afterSequence"/>, oldest first.</summary>
    Task<WindowPage> ReadWindowAsync(string windowId, long afterSequence, int max, CancellationToken cancellationToken);
}

/// <summary>
/// An accepted request; <paramref name="RemindAt"/> is when its department is reminded, if ever;
/// <paramref name="Officer"/> the officer as established at acceptance (declared when empty).
/// <paramref name="ReceiptNow"/>: its receipt goes to the window as soon as it is recorded
/// (Submit), so it must be on disk first. Verify hands the window only the answer, whose own
/// durable write covers this one (a hub that dies before it loses a request it promised nothing about).
/// <paramref name="IfAbsent"/>: written only if the request is not on record yet (a Verify's
/// acceptance written after its delay, which its answer may have written first).
/// </summary>
internal sealed record AcceptedRequest(string RequestId, string WindowId, VerificationRequest Request, Receipt Receipt, DateTimeOffset? RemindAt = null, string? Officer = null, bool ReceiptNow = true, bool IfAbsent = false);

internal sealed record AdoptedRequest(VerificationRequest Request, Receipt Receipt, string Officer);

internal enum CompletionKind
{
    Completed,
    AlreadyCompleted,
    UnknownRequest,
}

internal readonly record struct CompletionOutcome(CompletionKind Kind, long Sequence);

internal sealed record StoredRequest(VerificationRequest Request, Receipt Receipt, RequestState State, VerificationResult? Result);

/// <summary>
/// A page of a window's history. <see cref="Truncated"/> is set when results after the cursor
/// were already dropped from the retained history, so the caller missed some.
/// </summary>
internal sealed record WindowPage(IReadOnlyList<WindowEntry> Entries, bool Truncated);

internal readonly record struct WindowEntry(long Sequence, VerificationResult Result);
