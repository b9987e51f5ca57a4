using System.Buffers.Text;
using NoCertHub.Hub.Redis;

namespace NoCertHub.Hub.Requests;

/// <summary>
/// A window's answers in the order they came, for Watch to resume from a cursor: one Redis string
/// per window, <c>{last sequence: 16 digits}{capacity: 8 digits}{slots allocated: 8 digits}</c>
/// then a ring of up to <c>capacity</c> slots of one request id each (30 bytes); answer n is in
/// slot (n − 1) mod capacity. The results themselves are read from the request records, which
/// carry the answer's sequence, so a slot a later answer has taken is recognised.
/// <para>
/// Why a string and not a sorted set: the embedded Garnet keeps a sorted set's members as objects
/// on the hub's heap, up to <see cref="RedisOptions.WindowHistory"/> of them per window, for
/// good; strings live in Garnet's log pages. The ring's key is known before the answer script
/// runs, so it is passed in KEYS like every other key (Redis Cluster). The string grows by
/// doubling up to its capacity, and each answer then rewrites 62 bytes of it in place: one read
/// and two writes, as many Redis calls as the sorted set took.
/// </para>
/// </summary>
internal static class WindowHistory
{
    public const int HeadLength = 32;


    public static long Slot(long sequence, long capacity) => (sequence - 1) % capacity;

    public static long SlotOffset(long slot) => HeadLength + (slot * RedisKeys.IdLength);

    public static bool TryReadHead(byte[]? head, out long last, out long capacity)
    {
        last = capacity = 0;
        return head is { Length: HeadLength }
            && Utf8Parser.TryParse(head.AsSpan(0, 16), out last, out var used) && used == 16
            && Utf8Parser.TryParse(head.AsSpan(16, 8), out capacity, out used) && used == 8
            && capacity > 0;
    }
}
