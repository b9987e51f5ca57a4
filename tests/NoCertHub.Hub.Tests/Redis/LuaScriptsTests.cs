using NoCertHub.Hub.Redis;
using Xunit;

namespace NoCertHub.Hub.Tests.Redis;

public sealed class LuaScriptsTests
{
    [Fact]
    public void EveryEmbeddedScript_Loads_WithItsLibrariesInPlaceOfTheIncludes()
    {
        var names = typeof(LuaScripts).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("lua/", StringComparison.Ordinal)).ToList();

        Assert.Equal(["accept.lua", "adopt.lua", "assign.lua", "case.lua", "claim.lua", "close.lua", "complete.lua", "fire.lua", "handover.lua", "history.lua", "record.lua", "server_millis.lua"],
            names.Select(n => n["lua/".Length..]).Order(StringComparer.Ordinal));
        Assert.All(names, n => Assert.DoesNotContain("--! include", LuaScripts.Text(n["lua/".Length..]), StringComparison.Ordinal));
        var complete = LuaScripts.Load("complete.lua").Text;
        Assert.True(complete.IndexOf("local function RecordHead", StringComparison.Ordinal) < complete.IndexOf("RecordHead(v)\n", complete.IndexOf("redis.call('GET', KEYS[1])", StringComparison.Ordinal), StringComparison.Ordinal),
            "the record library must come before the script that uses it");
        Assert.Contains("local function HistoryAppend", complete, StringComparison.Ordinal);
        Assert.Contains("local function CaseAdd", complete, StringComparison.Ordinal);
        Assert.Contains("local function CaseAdd", LuaScripts.Load("accept.lua").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownScript_SaysWhereScriptsComeFrom()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LuaScripts.Load("no-such.lua"));
        Assert.Contains("embeds every **/*.lua", e.Message, StringComparison.Ordinal);
    }
}
