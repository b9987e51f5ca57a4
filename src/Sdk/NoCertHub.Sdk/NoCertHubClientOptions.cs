namespace NoCertHub.Sdk;

/// <summary>Settings of a <see cref="NoCertHubClient"/>.</summary>
public sealed class NoCertHubClientOptions
{
    /// <summary>The hub's gRPC address, e.g. <c>http://127.0.0.1:5080</c>.</summary>
    public Uri? Address { get; set; }

    /// <summary>How long <see cref="NoCertHubClient.VerifyAsync"/> waits for an answer unless told otherwise.</summary>
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before <see cref="NoCertHubClient.WatchAsync"/> reconnects after a dropped stream; doubles up to <see cref="WatchReconnectMax"/>.</summary>
    public TimeSpan WatchReconnectMin { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between two reconnect attempts of a watch.</summary>
    public TimeSpan WatchReconnectMax { get; set; } = TimeSpan.FromSeconds(10);
}
