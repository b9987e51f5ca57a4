using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace NoCertHub.Hub.Redis;

/// <summary>
/// A Lua script of the request path with its SHA-1 digest, worked out once. The pipeline sends it
/// by digest (EVALSHA): the client's own cache finds a script's digest by hashing and comparing
/// its whole text on every call, some kilobytes three times per request. Redis knows a script by
/// the same digest once it has seen its text; until then (a fresh or flushed server) the pipeline
/// sends the text.
/// </summary>
internal sealed class RedisScript(string text)
{
    // The loop of a script's batched form: ARGV[1] calls, then each call's key and argument
    // counts, then every call's arguments in turn; KEYS, every call's keys in turn. It returns one
    // reply per call (false, Redis's nil, for a call that returned nothing).
    private const string ManyLoop = """
        local n = tonumber(ARGV[1])
        local ki, ai, out = 1, 2 + 2 * n, {}
        for i = 1, n do
          local kc, ac = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
          local keys, argv = {}, {}
          for j = 1, kc do keys[j] = KEYS[ki + j - 1] end
          for j = 1, ac do argv[j] = ARGV[ai + j - 1] end
          ki, ai = ki + kc, ai + ac
          local r = one(keys, argv)
          if r == nil then r = false end
          out[i] = r
        end
        return out

        """;

    private RedisScript? _many;

    public string Text { get; } = text;

    /// <summary>
    /// The same script for several calls at once (the request path's calls of one batch whose keys
    /// share a slot): one script call instead of one each, with the same effect as running them in
    /// turn. The script's body becomes a function of its own KEYS and ARGV.
    /// </summary>
    public RedisScript Many => _many ??= new RedisScript("local function one(KEYS, ARGV)\n" + Text + "end\n" + ManyLoop);

    // SHA-1 is the name Redis gives a script (EVALSHA), not a protection of anything.
#pragma warning disable CA5350
    public byte[] Digest { get; } = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350

    /// <summary>
    /// Redis refused a call by digest for not knowing its script (a server started or flushed since
    /// it last saw it): the call did not run, and may go again by text without running twice.
    /// </summary>
    public static bool IsUnknownScript(Exception? e) =>
        e is RedisServerException server && server.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);
}
