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
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

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

    /// <summary>Every hub incarnation that may hold requests in memory.</summary>
    public RedisKey Hubs => Prefix + ":hubs";

    /// <summary>Present while the hub incarnation is alive.</summary>
    public RedisKey HubLease(string incarnation) => Prefix + ":hub:" + incarnation;

    public RedisChannel RemindersChannel => RedisChannel.Literal(Prefix + ":reminders");

    public int ShardOfWindow(string department, string window)
    {
        var hash = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(WindowId(department, window)));
        return (int)(hash % (uint)_tags.Length);
    }

    public static string WindowId(string department, string window) => department + "/" + window;

    public static string DepartmentOfWindow(string windowId) => windowId[..windowId.IndexOf('/', StringComparison.Ordinal)];

    /// <summary>Request ids carry their shard: <c>r07-0192…</c>.</summary>
    public static string NewRequestId(int shard) =>
        string.Create(CultureInfo.InvariantCulture, $"r{shard:D2}-{Guid.CreateVersion7():N}");

    public bool TryShardOfRequest(string requestId, out int shard)
    {
        shard = -1;
        return requestId.Length == 36 && requestId[0] == 'r' && requestId[3] == '-'
            && int.TryParse(requestId.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out shard)
            && shard < _tags.Length
            && !requestId.AsSpan(4).ContainsAnyExcept(HexDigits);
    }

    public RedisKey Request(int shard, string requestId) => $"{_tags[shard]}:req:{requestId}";

    /// <summary>Unanswered, not yet escalated requests of the shard, scored by deadline (Unix ms).</summary>
    public RedisKey Deadlines(int shard) => $"{_tags[shard]}:deadlines";

    /// <summary>Requests whose department is still to be reminded, scored by reminder time (Unix ms).</summary>
    public RedisKey Reminders(int shard) => $"{_tags[shard]}:reminders";

    public RedisKey Escalation(int shard, string requestId) => $"{_tags[shard]}:esc:{requestId}";

    /// <summary>Open escalations, scored by the deadline they missed.</summary>
    public RedisKey OpenEscalations(int shard) => $"{_tags[shard]}:esc-open";

    /// <summary>Closed escalations, scored by when they were closed.</summary>
    public RedisKey ClosedEscalations(int shard) => $"{_tags[shard]}:esc-closed";

    /// <summary>The checks of one case of one requesting department made from windows of this shard.</summary>
    public RedisKey Case(int shard, string department, string caseNumber) => $"{_tags[shard]}:case:{department}/{caseNumber}";

    public RedisKey WindowLog(int shard, string windowId) => $"{_tags[shard]}:win:{windowId}:log";

    public RedisKey WindowSequence(int shard, string windowId) => $"{_tags[shard]}:win:{windowId}:seq";

    public RedisKey ClientRequest(int shard, string windowId, string clientRequestId) => $"{_tags[shard]}:win:{windowId}:client:{clientRequestId}";
}
