namespace NoCertHub.Hub.Storage;

/// <summary>
/// Syncs a Tsavorite append-only log's segment files (<c>{name}.0</c>, <c>{name}.1</c>, …) to the
/// device after a commit. Garnet writes its append-only file with O_DIRECT and never syncs it: the
/// pages bypass the kernel's cache but can sit in the disk's own write cache, and the file's growing
/// size is metadata only a sync makes durable. One call covers every write committed before it, so a
/// group commit pays one sync per batch. Only the newest segment is written to; when the log moves
/// on to a new one, the old one is synced a last time and the folder (the new file's entry) once.
/// </summary>
internal sealed class AppendOnlyFileSync(string folder, string name) : IDisposable
{
    private readonly Lock _gate = new();
    private DiskSync.SyncHandle? _tail;
    private int _segment = -1;

    /// <summary>Returns once everything written to the log so far is on the device.</summary>
    public void Sync()
    {
        lock (_gate)
        {
            if (_segment < 0)
            {
                var newest = Newest();
                if (newest < 0)
                {
                    // Nothing written yet.
                    return;
                }

                // Once: what an earlier run left (perhaps under the weaker promise) is made durable too.
                for (var segment = 0; segment < newest; segment++)
                {
                    if (File.Exists(SegmentPath(segment)))
                    {
                        using var old = DiskSync.Open(SegmentPath(segment));
                        old.Sync();
                    }
                }

                _segment = newest;
                _tail = DiskSync.Open(SegmentPath(_segment));
                DiskSync.SyncFolder(folder);
            }

            while (File.Exists(SegmentPath(_segment + 1)))
            {
                _tail!.Sync();
                _tail.Dispose();
                _segment++;
                _tail = DiskSync.Open(SegmentPath(_segment));
                DiskSync.SyncFolder(folder);
            }

            _tail!.Sync();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _tail?.Dispose();
            _tail = null;
        }
    }

    private string SegmentPath(int segment) => Path.Combine(folder, $"{name}.{segment}");

    private int Newest()
    {
        if (!Directory.Exists(folder))
        {
            return -1;
        }

        var newest = -1;
        foreach (var file in Directory.EnumerateFiles(folder, name + ".*"))
        {
            if (int.TryParse(Path.GetFileName(file).AsSpan(name.Length + 1), out var segment) && segment > newest)
            {
                newest = segment;
            }
        }

        return newest;
    }
}
