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

    /// <summary>
    /// Lua: <c>local seq = HistoryAppend(key, capacity, requestId)</c> numbers the next answer of
    /// the window and puts its id in its slot. A capacity other than the one the ring was built
    /// with starts the ring afresh (the numbering goes on; older answers read as trimmed).
    /// </summary>
    public const string LuaAppend = """
        local function HistoryAppend(key, cap, id)
          local head = redis.call('GETRANGE', key, 0, 31)
          local seq, slots = 1, 0
          if #head == 32 then
            seq = tonumber(string.sub(head, 1, 16)) + 1
            slots = tonumber(string.sub(head, 25, 32))
            if tonumber(string.sub(head, 17, 24)) ~= cap then
              redis.call('SET', key, head)
              slots = 0
            end
          end
          local slot = (seq - 1) % cap
          if slot >= slots then
            slots = math.min(cap, math.max(slot + 1, 2 * slots, 32))
            redis.call('SETRANGE', key, 32 + slots * 30 - 1, ' ')
          end
          redis.call('SETRANGE', key, 0, string.format('%016d%08d%08d', seq, cap, slots))
          redis.call('SETRANGE', key, 32 + slot * 30, id)
          return seq
        end
        """ + "\n";

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
