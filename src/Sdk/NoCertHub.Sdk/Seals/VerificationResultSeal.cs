using NoCertHub.Sdk.Seals;

namespace NoCertHub.V1;

/// <summary>A department's answer to one check, as the window receives it.</summary>
public sealed partial class VerificationResult
{
    /// <summary>
    /// The outcome of checking this result's seal, set by <see cref="NoCertHub.Sdk.NoCertHubClient"/>
    /// on every result it returns (Verify, Get, Watch); null on a result it did not hand out.
    /// Not part of the message: it is not sent, compared or cloned.
    /// </summary>
    public SealCheck? SealCheck { get; internal set; }
}
