using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// Retention without loss: records older than <see cref="AuditOptions.Retention"/> move out of the
/// database into compressed files, one signed checkpoint's range per file, beside a copy of that
/// checkpoint. A range is archived only when it still matches what was signed, and removed from
/// the database only after its file is on disk.
/// </summary>
internal sealed partial class AuditArchive(AuditChainStore store, AuditChain chain, AuditKeys keys, IOptions<AuditOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new();
    private readonly AuditOptions _options = options.Value;

    /// <summary>Archives every whole checkpoint range older than the retention period; returns how many records moved.</summary>
    public async Task<long> ArchiveAsync(CancellationToken cancellationToken)
    {
        if (_options.Retention <= TimeSpan.Zero)
        {
            return 0;
        }

        var directory = Path.GetFullPath(_options.ArchiveDirectory);
        Directory.CreateDirectory(directory);
        var cutoff = time.GetUtcNow() - _options.Retention;
        var next = Ranges(directory).Select(r => r.To).DefaultIfEmpty(0).Max() + 1;
        long moved = 0;
        foreach (var checkpoint in AuditCheckpoints.Read(Path.GetFullPath(_options.CheckpointDirectory))
                     .Where(c => c.From >= next).OrderBy(c => c.From))
        {
            if (checkpoint.From != next || !checkpoint.VerifySignature(keys.SigningKey))
            {
                break;
            }

            var records = await store.ReadRangeAsync(checkpoint.From, (int)(checkpoint.To - checkpoint.From + 1), cancellationToken);
            if (records.Count != checkpoint.To - checkpoint.From + 1 || records[^1].RecordedAt >= cutoff || !Matches(records, checkpoint))
            {
                break;
            }

            // The newest record stays: new records chain on from the database's last one.
            if ((await store.ReadRangeAsync(checkpoint.To + 1, 1, cancellationToken)).Count == 0)
            {
                break;
            }

            await WriteAsync(directory, checkpoint, records, cancellationToken);
            await store.DeleteRangeAsync(checkpoint.From, checkpoint.To, cancellationToken);
            moved += records.Count;
            next = checkpoint.To + 1;
        }

        return moved;
    }

    /// <summary>The archived ranges in a directory, by file name.</summary>
    public static IReadOnlyList<(long From, long To, string File)> Ranges(string directory) =>
        !Directory.Exists(directory)
            ? []
            : Directory.EnumerateFiles(directory, "audit-*.jsonl.gz")
                .Select(f => (File: f, Match: FileName().Match(Path.GetFileName(f))))
                .Where(x => x.Match.Success)
                .Select(x => (long.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(x.Match.Groups[2].Value, CultureInfo.InvariantCulture), x.File))
                .OrderBy(r => r.Item1)
                .ToList();

    public static async Task<IReadOnlyList<AuditRecord>> ReadAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        var records = new List<AuditRecord>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            records.Add(JsonSerializer.Deserialize<AuditRecord>(line, Json) ?? throw new JsonException("empty line"));
        }

        return records;
    }

    private bool Matches(IReadOnlyList<AuditRecord> records, AuditCheckpoint checkpoint)
    {
        return chain.MerkleRootHex(records, allCores: false) == checkpoint.MerkleRoot
            && records[^1].ChainHash is { } head && Convert.ToHexStringLower(head) == checkpoint.ChainHead;
    }

    private static async Task WriteAsync(string directory, AuditCheckpoint checkpoint, IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"audit-{checkpoint.From:D12}-{checkpoint.To:D12}");
        var temporary = Path.Combine(directory, name + ".tmp");
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.WriteThrough))
        {
            await using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
            await using (var writer = new StreamWriter(gzip))
            {
                foreach (var record in records)
                {
                    await writer.WriteLineAsync(JsonSerializer.Serialize(record, Json).AsMemory(), cancellationToken);
                }
            }

            file.Flush(flushToDisk: true);
        }

        await File.WriteAllTextAsync(Path.Combine(directory, name + ".checkpoint.json"), JsonSerializer.Serialize(checkpoint, Json), cancellationToken);
        File.Move(temporary, Path.Combine(directory, name + ".jsonl.gz"), overwrite: false);
    }

    [GeneratedRegex(@"^audit-(\d{12})-(\d{12})\.jsonl\.gz$")]
    private static partial Regex FileName();
}
