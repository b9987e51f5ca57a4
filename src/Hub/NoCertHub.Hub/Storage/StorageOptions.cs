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
}
