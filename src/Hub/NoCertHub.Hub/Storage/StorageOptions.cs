namespace NoCertHub.Hub.Storage;

internal sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// The hub's data folder, relative to the working directory. The hub locks it before it opens
    /// anything and holds the lock while it runs: a second hub on the same folder refuses to start.
    /// The default store paths (embedded Redis, audit and catalog databases, keys, checkpoints) lie
    /// inside it.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>What an acknowledged receipt or a released answer survives; honoured by every store the hub owns.</summary>
    public DurabilityPromise Durability { get; set; } = DurabilityPromise.PowerLoss;
}

/// <summary>What "acknowledged" survives.</summary>
internal enum DurabilityPromise
{
    /// <summary>
    /// A power cut, kernel panic or VM reset: a receipt, an answer and its audit record are on the
    /// device (fsync'd) before they are released. One sync covers every request of a group commit.
    /// </summary>
    PowerLoss,

    /// <summary>
    /// The hub's process dying (kill -9, a crash): written to the operating system before release,
    /// not synced. Faster; a power cut can lose the last moments' receipts, answers and audit records.
    /// </summary>
    ProcessCrash,
}
