using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>The load harness reads a server's CPU per call from <see cref="ServerProcess.Cpu"/>; nginx does its work in child processes.</summary>
public sealed class ServerProcessTests
{
    [Fact]
    public async Task Cpu_ServerWorksInAChildProcess_CountsTheChildsTime()
    {
        // The shell itself only waits; its child spins.
        var directory = Directory.CreateTempSubdirectory("nocert-cpu-").FullName;
        await using var server = await ServerProcess.StartAsync("spinner", "/bin/sh", ["-c", "sh -c 'while :; do :; done' & wait"], directory,
            () => Task.FromResult(true), TimeSpan.FromSeconds(10));

        var cpu = await Poll.UntilAsync(() => Task.FromResult(server.Cpu), used => used > TimeSpan.FromMilliseconds(200));

        Assert.True(cpu > TimeSpan.FromMilliseconds(200), $"the spinning child's CPU was not counted: {cpu.TotalMilliseconds} ms");
    }
}
