using NoCertHub.Agents.Hosting;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Agents.Tests.Hosting;

/// <summary>An operator filters and alerts on log event ids: each names one kind of line in the agent.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void EveryLogMessage_HasAnEventId_UsedByNoOther()
    {
        Assert.NotEmpty(LogEventIds.Of(typeof(AgentOptions).Assembly));
        Assert.Empty(LogEventIds.Problems(typeof(AgentOptions).Assembly));
    }
}
