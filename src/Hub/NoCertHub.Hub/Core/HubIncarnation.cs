using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Core;

/// <summary>
/// This run of this hub. Requests record the incarnation that routes them, so a hub restarted
/// under the same instance id still finds the requests its previous run held in memory.
/// </summary>
internal sealed class HubIncarnation(IOptions<HubOptions> options)
{
    public string Id { get; } = options.Value.InstanceId + "/" + Guid.NewGuid().ToString("N")[..12];
}
