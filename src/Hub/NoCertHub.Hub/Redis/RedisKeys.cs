using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using StackExchange.Redis;

namespace NoCertHub.Hub.Redis;

/// <summary>
/// Every key the hub writes. Keys of one request and of its requesting window share a hash tag
/// (<c>{prefix:sNN}</c>), so each script touches a single Redis Cluster slot; requests are spread
/// over <see cref="Shards"/> tags by their window.
/// </summary>
internal sealed class RedisKeys
{
    // Crockford's base32, lower case: 26 characters carry a 128-bit id, 6 fewer than hex. Every
    // pending request repeats its id in several keys and sets, so this is memory.
    private const string Base32 = "0123456789abcdefghjkmnpqrstvwxyz";
    public const int IdLength = 30;
    private static readonly SearchValues<char> Base32Digits = SearchValues.Create(Base32);

    private readonly string[] _tags;

    public RedisKeys(string prefix, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shards, 100);
        Prefix = prefix;
        _tags = Enumerable.Range(0, shards).Select(s => $"{prefix}:{{s{s:D2}}}").ToArray();
    }

    public string Prefix { get; }

    public int Shards => _tags.Length;

    public RedisChannel ResultsChannel => RedisChannel.Literal(Prefix + ":results");

    /// <summary>
    /// Every hub incarnation that may hold requests in memory. On a Redis Cluster this key and
    /// every key below tagged <c>{prefix:hubs}</c> hash to one slot, so a script can check a hub's
    /// lease and touch its inbox at once.
    /// </summary>
    public RedisKey Hubs => Prefix + ":hubs";

    /// <summary>Present while the hub incarnation is alive.</summary>
    public RedisKey HubLease(string incarnation) => "{" + Prefix + ":hubs}:lease:" + incarnation;

    /// <summary>Requests other hubs handed to this incarnation for its agents: entries "request id \n previous owner".</summary>
    public RedisKey HubInbox(string incarnation) => "{" + Prefix + ":hubs}:inbox:" + incarnation;

    /// <summary>What this incarnation's agents answer, members "department/item"; it expires with the lease.</summary>
    public RedisKey HubItems(string incarnation) => "{" + Prefix + ":hubs}:items:" + incarnation;

    /// <summary>Hubs tell each other here that what their agents answer changed, or that a hub's inbox has requests.</summary>
    public RedisChannel HandoverChannel => RedisChannel.Literal(Prefix + ":handover");

    public RedisChannel RemindersChannel => RedisChannel.Literal(Prefix + ":reminders");

    public int ShardOfWindow(string department, string window)
    {
        var hash = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(WindowId(department, window)));
        return (int)(hash % (uint)_tags.Length);
    }

    public static string WindowId(string department, string window) => department + "/" + window;

    public static string DepartmentOfWindow(string windowId) => windowId[..windowId.IndexOf('/', StringComparison.Ordinal)];

    /// <summary>Request ids carry their shard, then a time-ordered (version 7) UUID in base32: <c>r07-06b3…</c>.</summary>
    public static string NewRequestId(int shard)
    {
        Span<byte> bytes = stackalloc byte[17];
        bytes[16] = 0;
        Guid.CreateVersion7().TryWriteBytes(bytes[..16], bigEndian: true, out _);
        return string.Create(IdLength, (shard, bytes.ToArray()), static (id, state) =>
        {
            id[0] = 'r';
            id[1] = (char)('0' + (state.shard / 10));
            id[2] = (char)('0' + (state.shard % 10));
            id[3] = '-';
            // 130 bits of output for 128 of input: the last digit's two low bits are the zero padding.
            for (var i = 0; i < IdLength - 4; i++)
            {
                var bit = i * 5;
                var pair = (state.Item2[bit / 8] << 8) | state.Item2[(bit / 8) + 1];
                id[4 + i] = Base32[(pair >> (11 - (bit % 8))) & 31];
            }
        });
    }

    public bool TryShardOfRequest(string requestId, out int shard)
    {
        shard = -1;
        return requestId.Length == IdLength && requestId[0] == 'r' && requestId[3] == '-'
            && int.TryParse(requestId.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out shard)
            && shard < _tags.Length
            && !requestId.AsSpan(4).ContainsAnyExcept(Base32Digits);
    }

    public RedisKey Request(int shard, string requestId) => $"{_tags[shard]}:req:{requestId}";

    /// <summary>
    /// Unanswered, not yet escalated requests of the shard, scored by their next Article 11 event
    /// (Unix ms): the reminder while one is pending, then the deadline. One entry per request.
    /// </summary>
    public RedisKey Timers(int shard) => $"{_tags[shard]}:timers";

    /// <summary>The request and its receipt, immutable once accepted.</summary>
    public RedisKey Body(int shard, string requestId) => $"{_tags[shard]}:body:{requestId}";

    public RedisKey Escalation(int shard, string requestId) => $"{_tags[shard]}:esc:{requestId}";

    /// <summary>Open escalations, scored by the deadline they missed.</summary>
    public RedisKey OpenEscalations(int shard) => $"{_tags[shard]}:esc-open";

    /// <summary>Closed escalations, scored by when they were closed.</summary>
    public RedisKey ClosedEscalations(int shard) => $"{_tags[shard]}:esc-closed";

    /// <summary>The checks of one case of one requesting department made from windows of this shard.</summary>
    public RedisKey Case(int shard, string department, string caseNumber) => $"{_tags[shard]}:case:{department}/{caseNumber}";

    /// <summary>The same case's checks past the case string's limit (see CaseCheckEntry).</summary>
    public RedisKey CaseOverflow(int shard, string department, string caseNumber) => $"{_tags[shard]}:case-more:{department}/{caseNumber}";

    /// <summary>The window's answer numbering and the ids of its latest answers (see WindowHistory).</summary>
    public RedisKey WindowHistory(int shard, string windowId) => $"{_tags[shard]}:win:{windowId}:hist";

    public RedisKey ClientRequest(int shard, string windowId, string clientRequestId) => $"{_tags[shard]}:win:{windowId}:client:{clientRequestId}";
}
