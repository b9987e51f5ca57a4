using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// scripts/demo.sh, the README's first command, checks its own ports before it starts anything: run
/// while another process holds one, it stops with a message naming the port and how to choose
/// others, instead of running the window against someone else's hub.
/// </summary>
public sealed class DemoScriptTests
{
    [Fact]
    public async Task Demo_WithItsHubPortTaken_StopsBeforeStartingAnything_NamingThePortAndTheWayOut()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;

        var (exitCode, output) = await RunDemoAsync(("NOCERT_HUB_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(1, exitCode);
        Assert.Contains($"port {port} (NOCERT_HUB_PORT) is already taken on 127.0.0.1", output, StringComparison.Ordinal);
        Assert.Contains("NOCERT_HUB_PORT=6080", output, StringComparison.Ordinal);
        // Nothing was built or started: no publish ran, no hub said it was ready.
        Assert.DoesNotContain("hub ready", output, StringComparison.Ordinal);
        Assert.DoesNotContain("agents starting", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_WithAPortThatIsNotANumber_Stops_NamingTheSetting()
    {
        var (exitCode, output) = await RunDemoAsync(("NOCERT_METRICS_PORT", "50x1"));

        Assert.Equal(1, exitCode);
        Assert.Contains("NOCERT_METRICS_PORT='50x1' is not a port number", output, StringComparison.Ordinal);
    }

    // Bounded: a demo that wrongly goes on to publish and start fails the test after 2 minutes instead of hanging it.
    private static async Task<(int ExitCode, string Output)> RunDemoAsync(params (string Name, string Value)[] environment)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "NoCertHub.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("NoCertHub.sln not found above the test's folder");
        }

        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        start.ArgumentList.Add(Path.Combine(root, "scripts", "demo.sh"));
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output + await error);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
