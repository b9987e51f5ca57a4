using System.Security.Cryptography;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// The hash chain over audit records. Each record has a canonical byte encoding (written by
/// <see cref="AuditLeafPage"/>, the only encoder); its leaf hash is
/// SHA-256(0x00 ‖ encoding) as in RFC 6962, and its chain hash is SHA-256(previous chain hash ‖
/// leaf hash), so changing, removing or reordering any record changes every chain hash after it.
/// The subject's ID enters the encoding only as a keyed HMAC: ID numbers are few enough that a
/// plain hash of one could be reversed by trying them all.
/// </summary>
internal sealed class AuditChain(byte[] subjectKey)
{
    public const int HashSize = 32;

    /// <summary>The chain hash before the first record.</summary>
    public static ReadOnlySpan<byte> Genesis => new byte[HashSize];

    [ThreadStatic]
    private static AuditLeafPage? t_single;

    /// <summary>One record's leaf hash at position <paramref name="seq"/>. Batches go through <see cref="AuditLeafPage"/>.</summary>
    public byte[] Leaf(long seq, AuditRecord record)
    {
        var page = t_single ??= new AuditLeafPage();
        page.Clear();
        page.Add(seq, record);
        page.ComputeLeaves(this, allCores: false);
        return page.Leaf(0).ToArray();
    }

    /// <summary>The keyed hash that stands for a subject's ID in the chain; one per thread, reused record after record.</summary>
    public IncrementalHash CreateSubjectHmac() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, subjectKey);

    /// <summary>The text fields in encoding order.</summary>
    public static string?[] TextFields(AuditRecord r) =>
    [
        r.RequestId, r.ItemCode, r.SubjectKind, r.CaseNumber, r.Purpose, r.RequesterDepartment, r.Window, r.Officer,
        r.Verdict, r.DisclosedFields, r.AnsweringDepartment, r.AnsweringAgent, r.HubInstance, r.Reason,
        r.ApplicantDigest, r.SubjectRole, r.Seal,
    ];

    /// <summary>
    /// The RFC 6962 Merkle root (hex) over records read back as a whole range (an archive file, a
    /// range about to be archived): encoded and hashed as one page, not record by record; on every
    /// core with <paramref name="allCores"/> (the offline verifier), else on one (the retention job,
    /// beside live traffic).
    /// </summary>
    public string MerkleRootHex(IReadOnlyList<AuditRecord> records, bool allCores)
    {
        var page = new AuditLeafPage();
        foreach (var record in records)
        {
            page.Add(record.Seq, record);
        }

        page.ComputeLeaves(this, allCores);
        return Convert.ToHexStringLower(MerkleRoot(page.Leaves));
    }

    /// <summary>The keyed hash of a subject (kind ‖ '|' ‖ upper-cased ID) in hex: the same for the same subject in every record, and no way back to the ID without the key.</summary>
    public string SubjectDigest(string kind, string id)
    {
        var input = System.Text.Encoding.UTF8.GetBytes(kind + "|" + id.ToUpperInvariant());
        return Convert.ToHexStringLower(HMACSHA256.HashData(subjectKey, input));
    }

    public static void Chain(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> leaf, Span<byte> destination)
    {
        var sha = t_sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(previous);
        sha.AppendData(leaf);
        sha.GetHashAndReset(destination);
    }

    // One reused SHA-256 state per thread for the sequential steps (chain, Merkle nodes): creating
    // one per call costs as much as the hashing.
    [ThreadStatic]
    private static IncrementalHash? t_sha;

    public static byte[] Chain(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> leaf)
    {
        var hash = new byte[HashSize];
        Chain(previous, leaf, hash);
        return hash;
    }

    /// <summary>The RFC 6962 Merkle tree hash of the leaves: interior nodes SHA-256(0x01 ‖ left ‖ right), split at the largest power of two below n.</summary>
    public static byte[] MerkleRoot(IReadOnlyList<byte[]> leaves) => MerkleRoot(leaves.SelectMany(l => l).ToArray());

    /// <summary>The same, over leaf hashes stored back to back.</summary>
    public static byte[] MerkleRoot(ReadOnlySpan<byte> leaves)
    {
        var root = new byte[HashSize];
        if (leaves.IsEmpty)
        {
            SHA256.HashData(ReadOnlySpan<byte>.Empty, root);
        }
        else
        {
            Subtree(leaves, root);
        }

        return root;
    }

    private static void Subtree(ReadOnlySpan<byte> leaves, Span<byte> destination)
    {
        var count = leaves.Length / HashSize;
        if (count == 1)
        {
            leaves.CopyTo(destination);
            return;
        }

        var split = 1;
        while (split * 2 < count)
        {
            split *= 2;
        }

        Span<byte> node = stackalloc byte[1 + (2 * HashSize)];
        node[0] = 0x01;
        Subtree(leaves[..(split * HashSize)], node.Slice(1, HashSize));
        Subtree(leaves[(split * HashSize)..], node.Slice(1 + HashSize, HashSize));
        var sha = t_sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(node);
        sha.GetHashAndReset(destination);
    }
}
