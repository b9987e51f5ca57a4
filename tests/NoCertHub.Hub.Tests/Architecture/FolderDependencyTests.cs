using NoCertHub.Hub.Core;
using Xunit;
using Xunit.Abstractions;

namespace NoCertHub.Hub.Tests.Architecture;

/// <summary>The hub's feature folders depend on each other one way only (issue 20).</summary>
public sealed class FolderDependencyTests(ITestOutputHelper output)
{
    [Fact]
    public void Folders_DependOnEachOtherOneWayOnly()
    {
        var graph = FolderDependencies.Of(typeof(HubOptions).Assembly);
        foreach (var (folder, uses) in graph)
        {
            output.WriteLine($"{folder} -> {string.Join(", ", uses)}");
        }

        var cycles = FolderDependencies.Cycles(graph);
        var edges = cycles.SelectMany(c => c.SelectMany(from => graph[from].Where(c.Contains).Select(to =>
            $"{from} -> {to}: {string.Join(", ", FolderDependencies.Evidence(typeof(HubOptions).Assembly, from, to))}")));
        Assert.True(cycles.Count == 0, "folders that depend on each other: " + string.Join("; ", cycles.Select(c => string.Join(", ", c)))
            + "\nthe edges inside those cycles, and the types that make them:\n" + string.Join("\n", edges));
    }

    [Fact]
    public void Cycles_AreFound_WhenTwoFoldersUseEachOther()
    {
        var graph = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal)
        {
            ["A"] = new(StringComparer.Ordinal) { "B" },
            ["B"] = new(StringComparer.Ordinal) { "C" },
            ["C"] = new(StringComparer.Ordinal) { "A" },
            ["D"] = new(StringComparer.Ordinal) { "A" },
        };

        Assert.Equal(["A", "B", "C"], Assert.Single(FolderDependencies.Cycles(graph)));
    }
}
