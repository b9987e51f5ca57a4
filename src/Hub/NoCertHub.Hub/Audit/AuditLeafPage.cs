using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// A batch of audit records in their canonical encoding, with their leaf hashes once
/// <see cref="ComputeLeaves"/> has run. The only encoder of the chain: the writer fills it from
/// records, the verifier and the checkpoints straight from the database's UTF-8 bytes, so what
/// is written and what is checked cannot drift apart. Reused page after page; nothing per record
/// is allocated.
/// </summary>
/// <remarks>
/// Encoding, version 2 (version 1 lacked the applicant and the subject's role): 0x00 (the RFC 6962 leaf prefix), version, position, time (Unix ms), kind,
/// every text field in <see cref="AuditChain.TextFields"/> order as a 4-byte length and UTF-8
/// (0xFFFFFFFF for none), the subject's HMAC (a length byte, 0 for none), the lateness flag.
/// All integers big-endian. Adding a field means a new version.
/// </remarks>
internal sealed class AuditLeafPage
{
    private const byte EncodingVersion = 2;
    private const int Hash = AuditChain.HashSize;

    private byte[] _data = new byte[1 << 16];
    private byte[] _subjects = new byte[1 << 12];
    private int _dataLength;
    private int _subjectsLength;
    private long[] _seq = new long[256];
    private int[] _start = new int[256];
    private int[] _length = new int[256];
    private int[] _digestAt = new int[256];
    private int[] _subjectStart = new int[256];
    private int[] _subjectLength = new int[256];
    private byte[] _stored = new byte[256 * Hash];
    private bool[] _storedValid = new bool[256];
    private byte[] _leaves = new byte[256 * Hash];

    public int Count { get; private set; }

    public long Seq(int i) => _seq[i];

    /// <summary>Record i's leaf hash (after <see cref="ComputeLeaves"/>).</summary>
    public ReadOnlySpan<byte> Leaf(int i) => _leaves.AsSpan(i * Hash, Hash);

    /// <summary>All leaf hashes, back to back.</summary>
    public ReadOnlySpan<byte> Leaves => _leaves.AsSpan(0, Count * Hash);

    /// <summary>The chain hash stored with record i, or empty when none of the right size was stored.</summary>
    public ReadOnlySpan<byte> StoredChainHash(int i) => _storedValid[i] ? _stored.AsSpan(i * Hash, Hash) : [];

    public void Clear()
    {
        Count = 0;
        _dataLength = 0;
        _subjectsLength = 0;
    }

    /// <summary>Starts a record; follow with its text fields, <see cref="Subject"/> or <see cref="NoSubject"/>, and <see cref="End"/>.</summary>
    public void Begin(long seq, ReadOnlySpan<byte> storedChainHash, long recordedAtUnixMs, int kind)
    {
        if (Count == _seq.Length)
        {
            GrowRecords();
        }

        var i = Count;
        _seq[i] = seq;
        _storedValid[i] = storedChainHash.Length == Hash;
        if (_storedValid[i])
        {
            storedChainHash.CopyTo(_stored.AsSpan(i * Hash));
        }

        _start[i] = _dataLength;
        var head = Reserve(19);
        head[0] = 0x00;
        head[1] = EncodingVersion;
        BinaryPrimitives.WriteInt64BigEndian(head[2..], seq);
        BinaryPrimitives.WriteInt64BigEndian(head[10..], recordedAtUnixMs);
        head[18] = (byte)kind;
        _subjectStart[i] = -1;
    }

    public void Text(ReadOnlySpan<byte> utf8)
    {
        var span = Reserve(4 + utf8.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)utf8.Length);
        utf8.CopyTo(span[4..]);
    }

    public void Text(string? text)
    {
        if (text is null)
        {
            NullText();
            return;
        }

        var span = Reserve(4 + Encoding.UTF8.GetMaxByteCount(text.Length));
        var length = Encoding.UTF8.GetBytes(text, span[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)length);
        _dataLength -= span.Length - 4 - length;
    }

    public void NullText() => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), uint.MaxValue);

    /// <summary>The subject, hashed with the chain's key when leaves are computed: the input is kind ‖ '|' ‖ ID.</summary>
    public void Subject(ReadOnlySpan<byte> kindUtf8, ReadOnlySpan<byte> idUtf8)
    {
        var i = Count;
        var slot = Reserve(1 + Hash);
        slot[0] = Hash;
        _digestAt[i] = _dataLength - Hash;
        var needed = kindUtf8.Length + 1 + idUtf8.Length;
        if (_subjectsLength + needed > _subjects.Length)
        {
            Array.Resize(ref _subjects, Math.Max(_subjects.Length * 2, _subjectsLength + needed));
        }

        _subjectStart[i] = _subjectsLength;
        _subjectLength[i] = needed;
        var input = _subjects.AsSpan(_subjectsLength, needed);
        kindUtf8.CopyTo(input);
        input[kindUtf8.Length] = (byte)'|';
        idUtf8.CopyTo(input[(kindUtf8.Length + 1)..]);
        _subjectsLength += needed;
    }

    public void NoSubject() => Reserve(1)[0] = 0;

    public void End(bool late)
    {
        Reserve(1)[0] = late ? (byte)1 : (byte)0;
        _length[Count] = _dataLength - _start[Count];
        Count++;
    }

    /// <summary>Encodes a record as it would be read back at position <paramref name="seq"/>.</summary>
    public void Add(long seq, AuditRecord r)
    {
        Begin(seq, r.ChainHash ?? [], r.RecordedAt.ToUnixTimeMilliseconds(), (int)r.Kind);
        foreach (var text in AuditChain.TextFields(r))
        {
            Text(text);
        }

        if (r.SubjectId is null)
        {
            NoSubject();
        }
        else
        {
            var kind = r.SubjectKind ?? "";
            Span<byte> input = stackalloc byte[Encoding.UTF8.GetMaxByteCount(kind.Length + r.SubjectId.Length + 1)];
            var kindLength = Encoding.UTF8.GetBytes(kind, input);
            var idLength = Encoding.UTF8.GetBytes(r.SubjectId, input[kindLength..]);
            Subject(input[..kindLength], input.Slice(kindLength, idLength));
        }

        End(r.Late);
    }

    /// <summary>
    /// Subject HMACs into their slots, then each record's leaf hash. With <paramref name="allCores"/>
    /// large pages are hashed on every core: leaves are independent; only the chain through them is
    /// sequential.
    /// </summary>
    public void ComputeLeaves(AuditChain chain, bool allCores)
    {
        const int Chunk = 2048;
        if (Count <= Chunk || !allCores)
        {
            HashRange(chain, 0, Count);
            return;
        }

        Parallel.For(0, (Count + Chunk - 1) / Chunk, c => HashRange(chain, c * Chunk, Math.Min(Count, (c + 1) * Chunk)));
    }

    private void HashRange(AuditChain chain, int from, int to)
    {
        // Reused hash states: a fresh one per call costs more than hashing a record.
        using var hmac = chain.CreateSubjectHmac();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = from; i < to; i++)
        {
            if (_subjectStart[i] >= 0)
            {
                hmac.AppendData(_subjects.AsSpan(_subjectStart[i], _subjectLength[i]));
                hmac.GetHashAndReset(_data.AsSpan(_digestAt[i], Hash));
            }

            sha.AppendData(_data.AsSpan(_start[i], _length[i]));
            sha.GetHashAndReset(_leaves.AsSpan(i * Hash, Hash));
        }
    }

    private Span<byte> Reserve(int bytes)
    {
        if (_dataLength + bytes > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, _dataLength + bytes));
        }

        var span = _data.AsSpan(_dataLength, bytes);
        _dataLength += bytes;
        return span;
    }

    private void GrowRecords()
    {
        var n = _seq.Length * 2;
        Array.Resize(ref _seq, n);
        Array.Resize(ref _start, n);
        Array.Resize(ref _length, n);
        Array.Resize(ref _digestAt, n);
        Array.Resize(ref _subjectStart, n);
        Array.Resize(ref _subjectLength, n);
        Array.Resize(ref _stored, n * Hash);
        Array.Resize(ref _storedValid, n);
        Array.Resize(ref _leaves, n * Hash);
    }
}
