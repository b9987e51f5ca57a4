using System.Runtime.InteropServices;

namespace NoCertHub.Hub.Storage;

/// <summary>
/// Makes written data durable on the device: fdatasync for a file's data (and the size that reads
/// it back), fsync for a folder's entries (a file just created in it). On Linux through libc, so
/// the calls are the ones the kernel documents and a trace shows; elsewhere through .NET's flush.
/// </summary>
internal static partial class DiskSync
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;

    /// <summary>Opens <paramref name="path"/> (a file or a folder) for syncing; dispose the handle to close it.</summary>
    public static SyncHandle Open(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new SyncHandle(path, -1);
        }

        var fd = NativeOpen(path, ReadOnly | CloseOnExec);
        return fd >= 0 ? new SyncHandle(path, fd) : throw new IOException($"cannot open {path} to sync it (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>fsync of a folder: the entries of files created or renamed in it survive a power loss.</summary>
    public static void SyncFolder(string path)
    {
        using var handle = Open(path);
        handle.Sync(metadata: true);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeOpen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int NativeClose(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int NativeFdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int NativeFsync(int fd);

    /// <summary>An open file or folder that can be synced again and again without reopening it.</summary>
    internal sealed class SyncHandle(string path, int fd) : IDisposable
    {
        private int _fd = fd;

        public string Path { get; } = path;

        /// <summary>Returns once what was written to the file is on the device; <paramref name="metadata"/> also its timestamps (fsync, not fdatasync).</summary>
        public void Sync(bool metadata = false)
        {
            if (_fd < 0)
            {
                // Not Linux: .NET's flush is FlushFileBuffers/fsync.
                if (!Directory.Exists(Path))
                {
                    using var stream = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                    stream.Flush(flushToDisk: true);
                }

                return;
            }

            if ((metadata ? NativeFsync(_fd) : NativeFdatasync(_fd)) != 0)
            {
                throw new IOException($"syncing {Path} to the device failed (errno {Marshal.GetLastPInvokeError()}); what was written may not survive a power loss");
            }
        }

        public void Dispose()
        {
            var fd = Interlocked.Exchange(ref _fd, -1);
            if (fd >= 0)
            {
                _ = NativeClose(fd);
            }
        }
    }
}
