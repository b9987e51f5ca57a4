using System.Reflection;
using System.Text;
using StackExchange.Redis;

namespace NoCertHub.Hub.Redis;

/// <summary>
/// The hub's Lua scripts: <c>.lua</c> files beside the code that calls them, embedded in the
/// assembly, loaded here and run by their digest. A line <c>--! include name.lua</c> is replaced by
/// that file (the function libraries of the request record, the window history and a case's
/// checks), so a layout is written once for every script that reads or writes it.
/// </summary>
internal static class LuaScripts
{
    private const string Include = "--! include ";
    private static readonly Assembly Assembly = typeof(LuaScripts).Assembly;

    /// <summary>The script <paramref name="name"/> (its file name), includes resolved.</summary>
    public static RedisScript Load(string name) => new(Text(name));

    /// <summary>
    /// Runs one script outside the request path's pipeline, by digest, and by text when Redis does
    /// not know it (a server started or flushed since it last saw it): a refused call did not run,
    /// so it cannot run twice.
    /// </summary>
    public static async Task<RedisResult> EvaluateAsync(this IDatabaseAsync db, RedisScript script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(script.Digest, keys, args);
        }
        catch (RedisServerException e) when (RedisScript.IsUnknownScript(e))
        {
            return await db.ScriptEvaluateAsync(script.Text, keys, args, CommandFlags.NoScriptCache);
        }
    }

    internal static string Text(string name)
    {
        using var stream = Assembly.GetManifestResourceStream("lua/" + name)
            ?? throw new InvalidOperationException($"No embedded Lua script '{name}': the hub's .csproj embeds every **/*.lua as lua/<file name>");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = new StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith(Include, StringComparison.Ordinal))
            {
                text.Append(Text(line[Include.Length..].Trim()));
            }
            else
            {
                text.Append(line).Append('\n');
            }
        }

        return text.ToString();
    }
}
