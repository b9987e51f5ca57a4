using System.Security.Cryptography.X509Certificates;

namespace NoCertHub.Sdk.Seals;

/// <summary>What a window can rely on about an answer's seal.</summary>
public enum SealStatus
{
    /// <summary>The answer carries no seal (a hub in insecure loopback mode, or an agent without a certificate).</summary>
    Unsealed,

    /// <summary>Sealed by the named agent of the answering department, under a certificate the district's CA issued, and unchanged since.</summary>
    Valid,

    /// <summary>The seal does not fit the answer: altered after sealing, or sealed under a certificate that is not the answering agent's.</summary>
    Invalid,

    /// <summary>The seal fits the answer, but no trusted CA vouches for its certificate (none is configured, or another issued it).</summary>
    Untrusted,
}

/// <summary>
/// The outcome of checking one answer's seal: whether it holds, whose it is, under which
/// certificate and when it was made.
/// </summary>
/// <param name="Status">The verdict on the seal.</param>
/// <param name="Problem">Why the seal is not valid; null when it is.</param>
/// <param name="Department">The department whose agent sealed the answer, as its certificate says.</param>
/// <param name="Agent">The sealing agent, as its certificate says.</param>
/// <param name="CheckedBy">For an on-site check: the officer named inside the sealed answer.</param>
/// <param name="Certificate">The sealing certificate, when the seal carried a readable one.</param>
/// <param name="SealedAt">When the agent sealed the answer, by its clock.</param>
public sealed record SealCheck(
    SealStatus Status,
    string? Problem,
    string? Department = null,
    string? Agent = null,
    string? CheckedBy = null,
    X509Certificate2? Certificate = null,
    DateTimeOffset? SealedAt = null)
{
    /// <summary>True when the answer is exactly what the department's agent sealed, under a certificate the CA issued.</summary>
    public bool IsValid => Status == SealStatus.Valid;
}
