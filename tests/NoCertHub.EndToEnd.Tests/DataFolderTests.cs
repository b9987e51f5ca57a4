using System.Globalization;
using NoCertHub.Sdk;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;
using Xunit.Abstractions;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// One process per data folder: a hub or agent started by mistake on a folder another one serves
/// from refuses at once, naming the folder and the holder, and the one serving loses nothing.
/// </summary>
public sealed class DataFolderTests(ITestOutputHelper output)
{
    private const int Batch = 200;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Everything at its default place (data/ under the working directory), as an operator runs it.
    private static readonly Dictionary<string, string> Defaults = new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SecondHub_OnTheSameDataFolder_RefusesAtOnce_AndNoReceiptOfTheFirstIsLost(bool samePorts)
    {
        var directory = Directory.CreateTempSubdirectory("nocert-lock-hub-").FullName;
        HubProcess? hub = null;
        try
        {
            hub = await HubProcess.StartAsync(directory, Defaults);
            var receipts = new List<Receipt>(await SubmitAsync(hub.Address, "before"));

            var (exitCode, refusal) = await HubProcess.RunRefusedAsync(directory, Defaults, samePorts ? hub.GrpcPort : null, samePorts ? hub.MetricsPort : null);
            output.WriteLine(refusal);
            Assert.Equal(3, exitCode);
            Assert.Contains($"The data folder {Path.Combine(directory, "data")} is in use by another NoCertHub hub", refusal, StringComparison.Ordinal);
            Assert.Contains($"pid {hub.Id.ToString(CultureInfo.InvariantCulture)} ", refusal, StringComparison.Ordinal);

            // The first hub keeps serving, and what it acknowledges from now on survives a crash too.
            receipts.AddRange(await SubmitAsync(hub.Address, "after"));
            await hub.KillAsync();
            hub = await HubProcess.StartAsync(directory, Defaults);

            using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = hub.Address });
            var lost = new List<string>();
            foreach (var receipt in receipts)
            {
                try
                {
                    await client.GetAsync(receipt.RequestId);
                }
                catch (RequestNotFoundException)
                {
                    lost.Add(receipt.RequestId);
                }
            }

            Assert.Empty(lost);
            await using (new AgentRun(await TestAgents.StartAsync(hub.Address, TestAgents.CivilAffairs(directory, "ca-lock"))))
            {
                Assert.Equal(receipts.Count, await AnsweredAsync(client, receipts));
            }
        }
        catch (Exception) when (hub is not null && Log(hub.Output))
        {
            throw;
        }
        finally
        {
            await HubProcess.DisposeAndDeleteAsync(hub, directory);
        }
    }

    [Fact]
    public async Task SecondAgent_OnTheSameDataFolder_RefusesAtOnce_AndEveryCheckIsStillAnswered()
    {
        var directory = Directory.CreateTempSubdirectory("nocert-lock-agent-").FullName;
        var agentFolder = Directory.CreateDirectory(Path.Combine(directory, "agent")).FullName;
        HubProcess? hub = null;
        AppProcess? agent = null;
        try
        {
            hub = await HubProcess.StartAsync(Directory.CreateDirectory(Path.Combine(directory, "hub")).FullName, Defaults);
            // The shipped agent settings present certificates; this hub runs in the insecure loopback mode.
            var settings = new Dictionary<string, string>(Defaults) { ["Agent:HubAddress"] = hub.Address.ToString(), ["Agent:CaBundle"] = "" };
            for (var i = 0; i < 5; i++)
            {
                settings[$"Agent:Departments:{i}:Certificate"] = "";
                settings[$"Agent:Departments:{i}:CertificateKey"] = "";
            }

            agent = StartAgent(agentFolder, settings);
            using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = hub.Address });
            var receipts = new List<Receipt>(await SubmitAsync(hub.Address, "agent-before"));
            Assert.Equal(receipts.Count, await AnsweredAsync(client, receipts));

            await using (var second = StartAgent(agentFolder, settings))
            {
                Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the second agent did not refuse to start:\n" + second.Output);
                output.WriteLine(second.Output);
                Assert.Equal(3, second.ExitCode);
                Assert.Contains($"The data folder {Path.Combine(agentFolder, "data")} is in use by another NoCertHub agent", second.Output, StringComparison.Ordinal);
                Assert.Contains($"pid {agent.Id.ToString(CultureInfo.InvariantCulture)} ", second.Output, StringComparison.Ordinal);
            }

            receipts.AddRange(await SubmitAsync(hub.Address, "agent-during"));
            Assert.Equal(receipts.Count, await AnsweredAsync(client, receipts));

            // Killed, its lock goes with it: the restart needs nothing cleaned by hand.
            await agent.KillAsync();
            await agent.DisposeAsync();
            agent = StartAgent(agentFolder, settings);
            receipts.AddRange(await SubmitAsync(hub.Address, "agent-after"));
            Assert.Equal(receipts.Count, await AnsweredAsync(client, receipts));
        }
        catch (Exception) when (Log(hub?.Output) && Log(agent?.Output))
        {
            throw;
        }
        finally
        {
            if (agent is not null)
            {
                await agent.DisposeAsync();
            }

            if (hub is not null)
            {
                await hub.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task GracefulStop_CommitsTheLeaseItGivesUp_SoTheRestartedHubAdoptsAtOnce()
    {
        var directory = Directory.CreateTempSubdirectory("nocert-sigterm-").FullName;
        // A lease that outlived the stop would hold the requests back for a minute; and the embedded
        // server commits on its own only once a minute, so the stop's own commit is what counts.
        var settings = new Dictionary<string, string>(Defaults) { ["Hub:LeaseTtl"] = "00:01:00", ["Redis:Embedded:CommitFrequency"] = "00:01:00" };
        HubProcess? hub = null;
        try
        {
            hub = await HubProcess.StartAsync(directory, settings);
            var receipts = await SubmitAsync(hub.Address, "sigterm");
            await hub.TerminateAsync();
            hub = await HubProcess.StartAsync(directory, settings);

            using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = hub.Address });
            await using (new AgentRun(await TestAgents.StartAsync(hub.Address, TestAgents.CivilAffairs(directory, "ca-sigterm"))))
            {
                var answered = await AnsweredAsync(client, receipts, TimeSpan.FromSeconds(30));
                Assert.True(answered == receipts.Count, $"{answered} of {receipts.Count} answered within 30 s of the restart: the stopped hub's lease was still there");
            }
        }
        catch (Exception) when (hub is not null && Log(hub.Output))
        {
            throw;
        }
        finally
        {
            await HubProcess.DisposeAndDeleteAsync(hub, directory);
        }
    }

    private static AppProcess StartAgent(string folder, Dictionary<string, string> settings) =>
        AppProcess.Start("Agents/NoCertHub.Agents", folder, new Dictionary<string, string>(settings)
        {
            ["Agent:MetricsUrl"] = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}/metrics",
        });

    private static async Task<IReadOnlyList<Receipt>> SubmitAsync(Uri address, string tag)
    {
        using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = address });
        var receipts = new List<Receipt>();
        foreach (var chunk in Enumerable.Range(0, Batch).Chunk(50))
        {
            receipts.AddRange(await Task.WhenAll(chunk.Select(i =>
                client.SubmitAsync(TestRequests.MarriageCheck($"lock-{tag}-{i}", "w" + (i % 4), "data folder test")))));
        }

        return receipts;
    }

    /// <summary>How many of the receipts' requests are answered, once all are or patience runs out.</summary>
    private static async Task<int> AnsweredAsync(NoCertHubClient client, IEnumerable<Receipt> receipts, TimeSpan? patience = null)
    {
        var until = DateTime.UtcNow + (patience ?? Patience);
        var waiting = receipts.Select(r => r.RequestId).ToHashSet(StringComparer.Ordinal);
        var total = waiting.Count;
        while (true)
        {
            foreach (var id in waiting.ToList())
            {
                if ((await client.GetAsync(id)).State == RequestState.Answered)
                {
                    waiting.Remove(id);
                }
            }

            if (waiting.Count == 0 || DateTime.UtcNow > until)
            {
                return total - waiting.Count;
            }

            await Task.Delay(250);
        }
    }

    private bool Log(string? text)
    {
        if (text is not null)
        {
            output.WriteLine(text);
        }

        return false;
    }
}
