using Microsoft.Extensions.Options;
using NoCertHub.V1;

namespace NoCertHub.Hub.Sla;

/// <summary>Computes the Article 11 deadline of a request accepted at a given instant.</summary>
internal sealed class DeadlinePolicy(IOptions<SlaOptions> options)
{
    private readonly SlaOptions _options = options.Value;

    public DateTimeOffset DeadlineFor(SlaClass sla, DateTimeOffset acceptedAt) => acceptedAt + sla switch
    {
        SlaClass.Immediate => _options.Immediate,
        SlaClass.Records => _options.Records,
        SlaClass.OnSite => _options.OnSite,
        _ => throw new ArgumentOutOfRangeException(nameof(sla), sla, "no Article 11 limit for this SLA class"),
    };
}
