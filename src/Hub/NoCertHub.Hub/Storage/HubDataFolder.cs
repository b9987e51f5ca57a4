using Microsoft.Extensions.Options;
using NoCertHub.Hosting;

namespace NoCertHub.Hub.Storage;

/// <summary>
/// This hub's hold on its data folder (<see cref="StorageOptions.DataDirectory"/>), taken when it is
/// first resolved — by the start-up sequence, before anything opens a file — and released when the
/// hub is disposed or its process ends.
/// </summary>
internal sealed class HubDataFolder(IOptions<StorageOptions> options) : IDisposable
{
    private readonly DataFolderLock _lock = DataFolderLock.Acquire(options.Value.DataDirectory, "hub", "Storage:DataDirectory");

    public string Path => _lock.Folder;

    public void Dispose() => _lock.Dispose();
}
