using System.Threading.Channels;
using NoCertHub.V1;

namespace NoCertHub.Hub.Routing;

/// <summary>
/// One connected agent: what it answers, how much it takes at once, what it holds now, and the
/// single outbound queue its stream's writer drains.
/// </summary>
internal sealed class AgentSession(string agentId, string department, IReadOnlyList<string> itemCodes, int capacity)
{
    public string AgentId { get; } = agentId;

    public string Department { get; } = department;

    public IReadOnlyList<string> ItemCodes { get; } = itemCodes;

    public int Capacity { get; } = capacity;

    public Channel<HubMessage> Outbound { get; } = Channel.CreateUnbounded<HubMessage>(new UnboundedChannelOptions { SingleReader = true });

    // Guarded by the department's lock in Dispatcher.
    internal Dictionary<string, RoutedTask> InFlight { get; } = new(StringComparer.Ordinal);

    internal int NextItem { get; set; }

    internal bool Answers(string itemCode) => ItemCodes.Contains(itemCode, StringComparer.Ordinal);

    internal int Free => Capacity - InFlight.Count;
}
