using System.Buffers.Text;
using System.Globalization;
using System.Text;
using NoCertHub.V1;

namespace NoCertHub.Hub.Requests;

/// <summary>
/// The mutable part of a request on record, one Redis string (it was a hash):
/// <c>{state}{remind}|{deadline ms}|{seq}|{hub length}:{hub}{officer length}:{officer}{result}</c>.
/// State is one letter (<c>q</c> queued, <c>s</c> sent to an agent, <c>a</c> answered), remind
/// <c>1</c> while the Article 11 reminder is pending, seq the answer's number in its window's
/// history (0 until answered), lengths in UTF-8 bytes, and the result (a serialized
/// VerificationResult) is everything after the officer, empty until answered.
/// <para>
/// Why a string: the embedded Garnet keeps every hash as objects on the hub's own heap (a
/// dictionary and two byte arrays per field, about 16 objects per request), which every garbage
/// collection had to promote and trace: its pauses set the hub's p99. Strings live in Garnet's
/// log pages, which the collector does not look into. The scripts read and write this layout with
/// the Lua functions below; the state and remind flags sit at fixed offsets so that marking a
/// request sent or its reminder done is a SETRANGE of one byte.
/// </para>
/// </summary>
internal readonly record struct RequestRecord(char State, bool Remind, long Deadline, long Sequence, string Hub, string Officer, ReadOnlyMemory<byte> Result)
{
    public const char Queued = 'q';
    public const char Sent = 's';
    public const char Answered = 'a';


    public RequestState RequestState => State switch
    {
        Answered => RequestState.Answered,
        Sent => RequestState.Assigned,
        _ => RequestState.Queued,
    };

    /// <summary>A new request's record: queued, not answered.</summary>
    public static byte[] NewQueued(long deadline, bool remind, string hub, string officer)
    {
        var hubBytes = Encoding.UTF8.GetByteCount(hub);
        var officerBytes = Encoding.UTF8.GetByteCount(officer);
        var head = string.Create(CultureInfo.InvariantCulture, $"{Queued}{(remind ? '1' : '0')}|{deadline}|0|{hubBytes}:");
        var officerHead = string.Create(CultureInfo.InvariantCulture, $"{officerBytes}:");
        var value = new byte[head.Length + hubBytes + officerHead.Length + officerBytes];
        var at = Encoding.ASCII.GetBytes(head, value);
        at += Encoding.UTF8.GetBytes(hub, value.AsSpan(at));
        at += Encoding.ASCII.GetBytes(officerHead, value.AsSpan(at));
        Encoding.UTF8.GetBytes(officer, value.AsSpan(at));
        return value;
    }

    public static bool TryParse(ReadOnlyMemory<byte> value, out RequestRecord record)
    {
        record = default;
        var v = value.Span;
        if (v.Length < 3 || v[0] is not ((byte)Queued or (byte)Sent or (byte)Answered) || v[1] is not ((byte)'0' or (byte)'1') || v[2] != '|')
        {
            return false;
        }

        var at = 3;
        if (!Number(v, ref at, (byte)'|', out var deadline) || !Number(v, ref at, (byte)'|', out var sequence)
            || !Text(v, ref at, out var hub) || !Text(v, ref at, out var officer))
        {
            return false;
        }

        record = new RequestRecord((char)v[0], v[1] == '1', deadline, sequence, hub, officer, value[at..]);
        return true;
    }

    private static bool Number(ReadOnlySpan<byte> v, ref int at, byte end, out long number)
    {
        number = 0;
        var stop = v[at..].IndexOf(end);
        if (stop <= 0 || !Utf8Parser.TryParse(v.Slice(at, stop), out number, out var used) || used != stop || number < 0)
        {
            return false;
        }

        at += stop + 1;
        return true;
    }

    private static bool Text(ReadOnlySpan<byte> v, ref int at, out string text)
    {
        text = "";
        if (!Number(v, ref at, (byte)':', out var length) || length > v.Length - at)
        {
            return false;
        }

        text = Encoding.UTF8.GetString(v.Slice(at, (int)length));
        at += (int)length;
        return true;
    }
}
