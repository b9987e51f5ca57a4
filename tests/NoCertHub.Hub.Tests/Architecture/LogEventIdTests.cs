using NoCertHub.Hub.Core;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Hub.Tests.Architecture;

/// <summary>An operator filters and alerts on log event ids: each names one kind of line in the hub.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void EveryLogMessage_HasAnEventId_UsedByNoOther()
    {
        Assert.True(LogEventIds.Of(typeof(HubOptions).Assembly).Count > 20, "the reflection no longer sees the hub's log messages");
        Assert.Empty(LogEventIds.Problems(typeof(HubOptions).Assembly));
    }
}
