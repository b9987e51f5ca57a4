using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace NoCertHub.Hosting.Seals;

/// <summary>
/// The exact bytes a department's seal signs: everything the answer asserts, in one fixed order,
/// so the agent that seals, the hub that checks, and the window that verifies later all compute
/// the same bytes from their own copy of the answer. Strings are a 4-byte big-endian length and
/// their UTF-8; numbers are big-endian; field verdicts are ordered by field name (then verdict)
/// and disclosed values by field name, ordinal, so the order they travel in does not matter.
/// </summary>
public sealed class SealContent
{
    /// <summary>The encoding's name, its first field: a later encoding gets a new one.</summary>
    public const string Version = "nocert.seal.v1";

    public required string RequestId { get; init; }
    public required string ItemCode { get; init; }

    /// <summary>The subject's kind as its protocol number (person 1, organisation 2).</summary>
    public required int SubjectKind { get; init; }
    public required string SubjectId { get; init; }

    /// <summary>The verdict as its protocol number.</summary>
    public required int Verdict { get; init; }

    /// <summary>Each claimed field with its verdict's protocol number.</summary>
    public required IEnumerable<(string Field, int Verdict)> Fields { get; init; }
    public required IEnumerable<KeyValuePair<string, string>> Disclosed { get; init; }
    public required string Note { get; init; }

    /// <summary>For an on-site check (Art. 13): the officer who made it; empty otherwise.</summary>
    public required string CheckedBy { get; init; }
    public required string Department { get; init; }
    public required string Agent { get; init; }
    public required DateTimeOffset SealedAt { get; init; }

    /// <summary>The canonical bytes.</summary>
    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Text(buffer, Version);
        Text(buffer, RequestId);
        Text(buffer, ItemCode);
        Number(buffer, SubjectKind);
        Text(buffer, SubjectId);
        Number(buffer, Verdict);
        var fields = Fields.OrderBy(f => f.Field, StringComparer.Ordinal).ThenBy(f => f.Verdict).ToList();
        Number(buffer, fields.Count);
        foreach (var (field, verdict) in fields)
        {
            Text(buffer, field);
            Number(buffer, verdict);
        }

        var disclosed = Disclosed.OrderBy(d => d.Key, StringComparer.Ordinal).ToList();
        Number(buffer, disclosed.Count);
        foreach (var (field, value) in disclosed)
        {
            Text(buffer, field);
            Text(buffer, value);
        }

        Text(buffer, Note);
        Text(buffer, CheckedBy);
        Text(buffer, Department);
        Text(buffer, Agent);
        BinaryPrimitives.WriteInt64BigEndian(buffer.GetSpan(8), SealedAt.ToUnixTimeMilliseconds());
        buffer.Advance(8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Number(ArrayBufferWriter<byte> buffer, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    private static void Text(ArrayBufferWriter<byte> buffer, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Number(buffer, length);
        Encoding.UTF8.GetBytes(value, buffer.GetSpan(length));
        buffer.Advance(length);
    }
}
