using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// The chaos run of load-tests/ in short: three hub processes and six agent processes on one
/// redis-server under steady load, a hub and then agents killed with SIGKILL and started again,
/// every ~8 s for 45 s; the run itself checks every receipt answered once, each window's Watch
/// history, the audit record of every answer and the chain, the escalations, and that no request
/// was left without an owner. The test runs that program and holds it to its verdict.
/// </summary>
[Collection(Alone.Name)]
public sealed class ChaosRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HubsAndAgentsKilledUnderLoad_EveryReceiptAnsweredOnce_WatchAuditAndEscalationsIntact()
    {
        // A new seed each run, printed, so that a failure can be run again exactly.
        var seed = Random.Shared.Next(1, 1_000_000).ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[ChaosRunDll(), "45", "20", "6", "10", seed])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await process.WaitForExitAsync(patience.Token);
        var text = await stdout + await stderr;
        output.WriteLine($"seed {seed}\n{text}");

        Assert.True(process.ExitCode == 0, $"the chaos run (seed {seed}) failed:\n{text}");
        Assert.Contains("chaos run: all checks passed", text, StringComparison.Ordinal);
        // It really killed: a hub and an agent at least, and answered what it was asked.
        Assert.Matches(@"killed hub\d with SIGKILL", text);
        Assert.Matches(@"killed agent\d with SIGKILL", text);
        Assert.Matches(@"answered (\d+) of \1\b", text);
    }

    private static string ChaosRunDll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NoCertHub.sln")))
            {
                var dll = Path.Combine(dir.FullName, "load-tests", "NoCertHub.ChaosRun", "bin", testOutput.Parent!.Name, testOutput.Name, "NoCertHub.ChaosRun.dll");
                return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is not built; build the solution first (the README's test command does)");
            }
        }

        throw new InvalidOperationException("NoCertHub.sln not found above " + testOutput.FullName);
    }
}
