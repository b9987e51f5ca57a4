namespace NoCertHub.Hub.Audit;

internal enum AuditKind
{
    /// <summary>A request the hub refused before routing it (bad input, unknown item, item not in force).</summary>
    Refused = 1,

    /// <summary>A department's answer within the deadline, recorded before it is released to the window.</summary>
    Answered = 2,

    /// <summary>A department's answer after the Article 11 deadline, recorded before it is released.</summary>
    Late = 3,

    /// <summary>The department's agent could not answer this time; the request is routed again.</summary>
    Failed = 4,

    /// <summary>Someone searched the audit trail: who, why, and with which filters.</summary>
    Searched = 5,

    /// <summary>
    /// A window read results: a Get that returned one (the request named), or a Watch opened on its
    /// window from a cursor (every result after it, as the window's history holds them, was sent).
    /// </summary>
    Read = 6,
}

/// <summary>One entry of the Article 17 lookup trail: who asked what about whom, why, and what came back.</summary>
internal sealed record AuditRecord
{
    public required DateTimeOffset RecordedAt { get; init; }
    public required AuditKind Kind { get; init; }
    public string? RequestId { get; init; }
    public string? ItemCode { get; init; }
    public string? SubjectKind { get; init; }
    public string? SubjectId { get; init; }
    public string? CaseNumber { get; init; }
    public string? Purpose { get; init; }
    public string? RequesterDepartment { get; init; }
    public string? Window { get; init; }
    public string? Officer { get; init; }
    public string? Verdict { get; init; }

    /// <summary>Names (never values) of the record fields disclosed to the requester, comma-separated.</summary>
    public string? DisclosedFields { get; init; }

    public string? AnsweringDepartment { get; init; }
    public string? AnsweringAgent { get; init; }
    public required string HubInstance { get; init; }
    public bool Late { get; init; }

    /// <summary>Why a request was refused, as told to the caller.</summary>
    public string? Reason { get; init; }

    /// <summary>The case's applicant as the chain's keyed hash of kind and ID (hex): comparable, never in clear.</summary>
    public string? ApplicantDigest { get; init; }

    /// <summary>Who the subject is to the case as the window declared it: applicant, related_party or not_a_party.</summary>
    public string? SubjectRole { get; init; }

    /// <summary>
    /// The department's seal on an answer (Art. 10): algorithm, the signature (base64) and the
    /// SHA-256 of the sealing certificate (hex), e.g. <c>ECDSA-P256-SHA256 MEUC… cert:3f2a…</c>;
    /// null for an unsealed answer and every other kind.
    /// </summary>
    public string? Seal { get; init; }

    /// <summary>
    /// An answer's timing, for the department evaluation (Art. 18-19): kept in answer_facts beside
    /// the chain, in the same transaction as the record; not part of the chained encoding.
    /// </summary>
    public AnswerTiming? Timing { get; init; }

    /// <summary>Position in the audit chain; set by the store when the record is written.</summary>
    public long Seq { get; init; }

    /// <summary>The chain hash after this record, as stored (on records read back).</summary>
    public byte[]? ChainHash { get; init; }

    /// <summary>The audit's text for a seal (see <see cref="Seal"/>); null when there is none.</summary>
    public static string? SealText(V1.Seal? seal) =>
        seal is null || seal.Signature.IsEmpty ? null
            : $"{seal.Algorithm} {seal.Signature.ToBase64()} cert:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(seal.Certificate.Span))}";

    /// <summary>
    /// A bounded, honest prefix of text a refused caller sent (it can carry anything): null when
    /// empty, else at most <paramref name="max"/> characters, cut ones marked with an ellipsis.
    /// </summary>
    public static string? Clip(string? value, int max) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= max ? value : value[..(max - 1)] + "…";
}

/// <summary>When a request was received and due, and its SLA class: what an answer record alone does not say.</summary>
internal sealed record AnswerTiming(int SlaClass, DateTimeOffset ReceivedAt, DateTimeOffset DueAt);
