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
    public string Text { get; } = text;

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
