using System.Collections.Concurrent;

namespace NoCertHub.Hub.Agents;

/// <summary>
/// One stream per agent id and department at this hub. A second Connect with the same id replaces
/// the first: the first stream is ended and its unanswered tasks go back to the queue. An agent
/// reconnecting after a network fault thus takes over at once instead of waiting for its dead
/// connection to time out; a certificate is one agent, not a pool of sessions.
/// </summary>
internal sealed class AgentStreams
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _open = new(StringComparer.Ordinal);

    /// <summary>Registers the stream's cancellation; returns true when it replaced (and ended) an open one.</summary>
    public bool Open(string department, string agentId, CancellationTokenSource stream)
    {
        var replaced = false;
        _open.AddOrUpdate(Key(department, agentId), stream, (_, previous) =>
        {
            previous.Cancel();
            replaced = true;
            return stream;
        });
        return replaced;
    }

    public void Close(string department, string agentId, CancellationTokenSource stream) =>
        _open.TryRemove(new KeyValuePair<string, CancellationTokenSource>(Key(department, agentId), stream));

    private static string Key(string department, string agentId) => department + "/" + agentId;
}
