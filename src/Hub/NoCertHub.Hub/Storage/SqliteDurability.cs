namespace NoCertHub.Hub.Storage;

/// <summary>The per-connection statement every SQLite store runs, for the promise it must keep.</summary>
internal static class SqliteDurability
{
    /// <summary>
    /// WAL in both cases (readers never block the writer). synchronous=FULL syncs the write-ahead log
    /// at every commit, so a committed transaction survives a power cut; NORMAL syncs it only at
    /// checkpoints, so a commit survives the process being killed but not the machine losing power.
    /// </summary>
    public static string OnOpen(DurabilityPromise durability) => durability switch
    {
        DurabilityPromise.ProcessCrash => "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        _ => "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;",
    };
}
