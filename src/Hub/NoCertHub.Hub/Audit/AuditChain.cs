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
        var encoding = Encode(seq, record);
        var buffer = new byte[encoding.Length + 1];
        encoding.CopyTo(buffer, 1);
        return SHA256.HashData(buffer);
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

    public byte[] SubjectDigest(string? subjectKind, string? subjectId) =>
        subjectId is null ? [] : HMACSHA256.HashData(subjectKey, Encoding.UTF8.GetBytes((subjectKind ?? "") + "|" + subjectId));

    /// <summary>
    /// Version, position, time, kind, every text field as a 4-byte length and UTF-8 (length
    /// 0xFFFFFFFF for none), the lateness flag. Field order is fixed; adding a field means a new version.
    /// </summary>
    private byte[] Encode(long seq, AuditRecord r)
    {
        using var stream = new MemoryStream(512);
        Span<byte> number = stackalloc byte[8];
        stream.WriteByte(EncodingVersion);
        BinaryPrimitives.WriteInt64BigEndian(number, seq);
        stream.Write(number);
        BinaryPrimitives.WriteInt64BigEndian(number, r.RecordedAt.ToUnixTimeMilliseconds());
        stream.Write(number);
        stream.WriteByte((byte)r.Kind);
        foreach (var text in new[]
        {
            r.RequestId, r.ItemCode, r.SubjectKind, r.CaseNumber, r.Purpose, r.RequesterDepartment, r.Window, r.Officer,
            r.Verdict, r.DisclosedFields, r.AnsweringDepartment, r.AnsweringAgent, r.HubInstance, r.Reason,
        })
        {
            WriteText(stream, text);
        }

        var subject = SubjectDigest(r.SubjectKind, r.SubjectId);
        stream.WriteByte((byte)subject.Length);
        stream.Write(subject);
        stream.WriteByte(r.Late ? (byte)1 : (byte)0);
        return stream.ToArray();
    }

    private static void WriteText(Stream stream, string? text)
    {
        Span<byte> length = stackalloc byte[4];
        if (text is null)
        {
            BinaryPrimitives.WriteUInt32BigEndian(length, uint.MaxValue);
            stream.Write(length);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
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
