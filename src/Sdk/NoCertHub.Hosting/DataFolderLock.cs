using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace NoCertHub.Hosting;

/// <summary>
/// One process per data folder: an exclusive lock on a file in it, taken before anything in the
/// folder is opened and held for the process's whole life. The kernel drops the lock when the
/// process ends, however it ends (SIGKILL included), so a restart after a crash never needs a
/// lock file cleaned by hand. A second process of the same role on the same folder is refused
/// at once with a message naming the folder and the process that holds it.
/// </summary>
/// <remarks>
/// The lock is the operating system's advisory file lock (flock on Linux, a share-mode lock on
/// Windows), taken through <see cref="FileShare.None"/>. The holder writes who it is into a
/// second file beside the lock, for the refusal's message only: the lock, not that file, decides.
/// </remarks>
public sealed class DataFolderLock : IDisposable
{
    private readonly FileStream _lock;

    private DataFolderLock(string folder, string role, FileStream handle)
    {
        Folder = folder;
        Role = role;
        _lock = handle;
    }

    /// <summary>The locked folder, as a full path.</summary>
    public string Folder { get; }

    /// <summary>What holds it ("hub", "agent"): each role has its own lock, so a hub and an agent may share a folder.</summary>
    public string Role { get; }

    /// <summary>
    /// Creates <paramref name="folder"/> if needed and locks it for <paramref name="role"/>, or throws
    /// <see cref="DataFolderInUseException"/> when another process holds it; its message names
    /// <paramref name="setting"/> as the way to give this process a folder of its own.
    /// </summary>
    public static DataFolderLock Acquire(string folder, string role, string setting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        var full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        var lockPath = Path.Combine(full, role + ".lock");
        FileStream handle;
        try
        {
            handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
        }
        catch (IOException e)
        {
            throw new DataFolderInUseException(full, role, setting, ReadHolder(HolderPath(full, role)), e);
        }

        try
        {
            WriteHolder(HolderPath(full, role));
        }
        catch (IOException)
        {
            // The note only improves another process's message; the lock is what counts.
        }

        return new DataFolderLock(full, role, handle);
    }

    /// <summary>Releases the lock (the kernel also does when the process ends).</summary>
    public void Dispose() => _lock.Dispose();

    private static string HolderPath(string folder, string role) => Path.Combine(folder, role + ".lock.holder");

    private static void WriteHolder(string path)
    {
        using var process = Process.GetCurrentProcess();
        var text = string.Create(CultureInfo.InvariantCulture,
            $"pid {Environment.ProcessId} on {Environment.MachineName}, started {process.StartTime.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}: {Environment.CommandLine}");
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temporary, path, overwrite: true);
    }

    private static string? ReadHolder(string path)
    {
        try
        {
            var text = File.ReadAllText(path, Encoding.UTF8).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>Another process holds the data folder's lock for the same role.</summary>
public sealed class DataFolderInUseException : IOException
{
    internal DataFolderInUseException(string folder, string role, string setting, string? holder, Exception inner)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"The data folder {folder} is in use by another NoCertHub {role} ({holder ?? "process not known: it has only just taken the folder"}). "
            + $"Two {role}s on one data folder would overwrite each other's files and lose what was acknowledged. "
            + $"Stop that process first, or give this one a folder of its own ({setting}). (The system said: {inner.Message})"), inner)
    {
        Folder = folder;
        Holder = holder;
    }

    /// <summary>The folder, as a full path.</summary>
    public string Folder { get; }

    /// <summary>What the holder wrote about itself (pid, host, start time, command line), if it could be read.</summary>
    public string? Holder { get; }
}
