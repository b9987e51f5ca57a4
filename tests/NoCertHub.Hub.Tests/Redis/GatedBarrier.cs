using NoCertHub.Hub.Redis;

namespace NoCertHub.Hub.Tests.Redis;

/// <summary>A disk that commits when the test says so (or fails as it says).</summary>
internal sealed class GatedBarrier(Task gate) : ICommitBarrier
{
    public Task CommitAsync(CancellationToken cancellationToken) => gate.WaitAsync(cancellationToken);
}
