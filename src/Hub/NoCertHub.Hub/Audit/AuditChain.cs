using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// The hash chain over audit records. Each record has a canonical byte encoding; its leaf hash is
/// SHA-256(0x00 ‖ encoding) as in RFC 6962, and its chain hash is SHA-256(previous chain hash ‖
/// leaf hash), so changing, removing or reordering any record changes every chain hash after it.
/// The subject's ID enters the encoding only as a keyed HMAC: ID numbers are few enough that a
/// plain hash of one could be reversed by trying them all.
/// </summary>
internal sealed class AuditChain(byte[] subjectKey)
{
    public const int HashSize = 32;
    private const byte EncodingVersion = 1;

    /// <summary>The chain hash before the first record.</summary>
    public static ReadOnlySpan<byte> Genesis => new byte[HashSize];

    public byte[] Leaf(long seq, AuditRecord record)
    {
        // 0x00 then the encoding, hashed in one go from a pooled buffer: this runs for every record written and verified.
        var texts = Texts(record);
        var buffer = ArrayPool<byte>.Shared.Rent(1 + MaxEncodedLength(texts));
        try
        {
            buffer[0] = 0x00;
            var length = Encode(seq, record, texts, buffer.AsSpan(1));
            return SHA256.HashData(buffer.AsSpan(0, 1 + length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] Chain(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> leaf)
    {
        Span<byte> both = stackalloc byte[2 * HashSize];
        previous.CopyTo(both);
        leaf.CopyTo(both[HashSize..]);
        return SHA256.HashData(both);
    }

    /// <summary>The RFC 6962 Merkle tree hash of the leaves: interior nodes SHA-256(0x01 ‖ left ‖ right), split at the largest power of two below n.</summary>
    public static byte[] MerkleRoot(IReadOnlyList<byte[]> leaves) =>
        leaves.Count == 0 ? SHA256.HashData(ReadOnlySpan<byte>.Empty) : Subtree(leaves, 0, leaves.Count);

    private void WriteSubjectDigest(string? subjectKind, string subjectId, Span<byte> destination)
    {
        var text = (subjectKind ?? "") + "|" + subjectId;
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        var length = Encoding.UTF8.GetBytes(text, bytes);
        HMACSHA256.HashData(subjectKey, bytes[..length], destination);
    }

    private static string?[] Texts(AuditRecord r) =>
    [
        r.RequestId, r.ItemCode, r.SubjectKind, r.CaseNumber, r.Purpose, r.RequesterDepartment, r.Window, r.Officer,
        r.Verdict, r.DisclosedFields, r.AnsweringDepartment, r.AnsweringAgent, r.HubInstance, r.Reason,
    ];

    private static int MaxEncodedLength(string?[] texts)
    {
        var length = 1 + 8 + 8 + 1 + 1 + HashSize + 1;
        foreach (var text in texts)
        {
            length += 4 + (text is null ? 0 : Encoding.UTF8.GetMaxByteCount(text.Length));
        }

        return length;
    }

    /// <summary>
    /// Version, position, time, kind, every text field as a 4-byte length and UTF-8 (length
    /// 0xFFFFFFFF for none), the subject's HMAC (length-prefixed, empty for none), the lateness
    /// flag. Field order is fixed; adding a field means a new version.
    /// </summary>
    private int Encode(long seq, AuditRecord r, string?[] texts, Span<byte> destination)
    {
        destination[0] = EncodingVersion;
        BinaryPrimitives.WriteInt64BigEndian(destination[1..], seq);
        BinaryPrimitives.WriteInt64BigEndian(destination[9..], r.RecordedAt.ToUnixTimeMilliseconds());
        destination[17] = (byte)r.Kind;
        var at = 18;
        foreach (var text in texts)
        {
            if (text is null)
            {
                BinaryPrimitives.WriteUInt32BigEndian(destination[at..], uint.MaxValue);
                at += 4;
                continue;
            }

            var length = Encoding.UTF8.GetBytes(text, destination[(at + 4)..]);
            BinaryPrimitives.WriteUInt32BigEndian(destination[at..], (uint)length);
            at += 4 + length;
        }

        if (r.SubjectId is null)
        {
            destination[at++] = 0;
        }
        else
        {
            destination[at++] = HashSize;
            WriteSubjectDigest(r.SubjectKind, r.SubjectId, destination.Slice(at, HashSize));
            at += HashSize;
        }

        destination[at++] = r.Late ? (byte)1 : (byte)0;
        return at;
    }

    private static byte[] Subtree(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }

        var split = 1;
        while (split * 2 < count)
        {
            split *= 2;
        }

        var left = Subtree(leaves, start, split);
        var right = Subtree(leaves, start + split, count - split);
        Span<byte> node = stackalloc byte[1 + (2 * HashSize)];
        node[0] = 0x01;
        left.CopyTo(node[1..]);
        right.CopyTo(node[(1 + HashSize)..]);
        return SHA256.HashData(node);
    }
}
