using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// A signed statement about a stretch of the chain: positions <see cref="From"/> to
/// <see cref="To"/>, the chain hash after <see cref="To"/>, and the RFC 6962 Merkle root of their
/// leaves. No subject ID appears in it, not even hashed.
/// </summary>
internal sealed record AuditCheckpoint(
    int Version, long From, long To, string ChainHead, string MerkleRoot, long CreatedAtUnixMs, string Hub, string KeyId, string Signature)
{
    public byte[] SignedBytes() => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"nocert-audit-checkpoint/v{Version}\n{From}\n{To}\n{ChainHead}\n{MerkleRoot}\n{CreatedAtUnixMs}\n{Hub}\n{KeyId}"));

    public bool VerifySignature(ECDsa publicKey)
    {
        try
        {
            return publicKey.VerifyData(SignedBytes(), Convert.FromBase64String(Signature), HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>
/// Signs and exports checkpoints: each covers what was appended since the previous one. Files are
/// named by their range and never overwritten, so hubs sharing a directory cannot clobber each
/// other's.
/// </summary>
internal sealed class AuditCheckpoints(AuditChainStore store, AuditKeys keys, IOptions<AuditOptions> options, IOptions<HubOptions> hub, TimeProvider time)
{
    // A checkpoint's leaves are held in memory to compute its Merkle root (32 bytes each); a longer
    // stretch is signed in several checkpoints, one per run.
    private const int MaxRecords = 4_000_000;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly string _directory = Path.GetFullPath(options.Value.CheckpointDirectory);

    public string PublicKeyPath => Path.Combine(_directory, "checkpoint-signing.pub.pem");

    /// <summary>Puts the hub's public key beside the checkpoints, so the verifier can run from the first record on.</summary>
    public async Task ExportPublicKeyAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        if (!File.Exists(PublicKeyPath))
        {
            await File.WriteAllTextAsync(PublicKeyPath, keys.PublicKeyPem, cancellationToken);
        }
    }

    /// <summary>Signs a checkpoint over the records after the last one exported; null when there are none, or the chain does not hold together.</summary>
    public async Task<AuditCheckpoint?> ExportNextAsync(CancellationToken cancellationToken)
    {
        await ExportPublicKeyAsync(cancellationToken);

        var existing = Read(_directory);
        var last = existing.Count > 0 ? existing[^1] : null;
        var from = (last?.To ?? 0) + 1;
        var previous = last is null ? AuditChain.Genesis.ToArray() : Convert.FromHexString(last.ChainHead);
        using var leaves = new MemoryStream();
        var head = new byte[AuditChain.HashSize];
        var to = from - 1;
        await foreach (var page in store.ScanChainAsync(from, allCores: false, cancellationToken))
        {
            for (var i = 0; i < page.Count; i++)
            {
                // Sign only what holds together: a gap or a broken link is the verifier's to report, not to be sealed.
                AuditChain.Chain(previous, page.Leaf(i), head);
                if (page.Seq(i) != to + 1 || !head.AsSpan().SequenceEqual(page.StoredChainHash(i)))
                {
                    throw new AuditChainBrokenException(page.Seq(i));
                }

                (previous, head) = (head, previous);
                to = page.Seq(i);
            }

            leaves.Write(page.Leaves);
            if (to - from + 1 >= MaxRecords)
            {
                break;
            }
        }

        if (leaves.Length == 0)
        {
            return null;
        }

        var unsigned = new AuditCheckpoint(1, from, to, Convert.ToHexStringLower(previous), Convert.ToHexStringLower(AuditChain.MerkleRoot(leaves.GetBuffer().AsSpan(0, (int)leaves.Length))),
            time.GetUtcNow().ToUnixTimeMilliseconds(), hub.Value.InstanceId, keys.KeyId, "");
        var checkpoint = unsigned with { Signature = Convert.ToBase64String(keys.SigningKey.SignData(unsigned.SignedBytes(), HashAlgorithmName.SHA256)) };
        var path = Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"checkpoint-{from:D12}-{to:D12}.json"));
        // Written whole under a name readers skip, on the disk, then moved into place: a reader
        // (the verifier, another hub) sees a complete checkpoint or none, never a half-written one.
        var pending = Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp"));
        try
        {
            await using (var file = new FileStream(pending, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await JsonSerializer.SerializeAsync(file, checkpoint, Json, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            // Without overwrite: when another hub signed the same range first, its file stands.
            File.Move(pending, path, overwrite: false);
            Storage.DiskSync.SyncFolder(_directory);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        finally
        {
            File.Delete(pending);
        }

        return checkpoint;
    }

    /// <summary>Every checkpoint file in the directory, in chain order; unreadable files are reported as forged.</summary>
    public static IReadOnlyList<AuditCheckpoint> Read(string directory, ICollection<string>? unreadable = null)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var checkpoints = new List<AuditCheckpoint>();
        foreach (var file in Directory.EnumerateFiles(directory, "checkpoint-*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                checkpoints.Add(JsonSerializer.Deserialize<AuditCheckpoint>(File.ReadAllText(file)) ?? throw new JsonException("empty"));
            }
            catch (JsonException)
            {
                unreadable?.Add(Path.GetFileName(file));
            }
        }

        return checkpoints.OrderBy(c => c.From).ToList();
    }
}

internal sealed class AuditChainBrokenException(long seq)
    : Exception($"The audit chain does not hold together at record {seq}; no checkpoint is signed over it. Run the verifier (NoCertHub.Hub verify-audit).")
{
    public long Seq { get; } = seq;
}
