using System.Collections.Concurrent;
using Grpc.Net.Client;
using NoCertHub.Testing;
using NoCertHub.V1;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// A Redis primary with a replica (real redis-server processes), a hub writing to it under load,
/// the replica falling behind, and the primary killed (SIGKILL) while it is: the replica takes
/// over. Every receipt the hub handed out is then looked for on the new primary. Redis replicates
/// asynchronously, so what the primary took but had not yet passed on is lost with it — unless
/// the hub waits for the replica before promising (Redis:MinReplicasAcked).
/// </summary>
public sealed class ReplicaFailoverTests(ITestOutputHelper output)
{
    private const int Callers = 8;

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public async Task APrimaryKilledWhileItsReplicaLags_LosesNoAcknowledgedReceipt_OnlyWhenTheHubWaitsForTheReplica(int minReplicasAcked)
    {
        var primary = await RedisServerProcess.StartAsync();
        var replica = await RedisServerProcess.StartReplicaAsync(primary);
        RedisServerProcess? second = null;
        var directory = Directory.CreateTempSubdirectory("nocert-failover-").FullName;
        await using var admin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { replica.ConnectionString }, AllowAdmin = true });
        await Poll.UntilAsync(async () => (string?)await admin.GetServers()[0].ExecuteAsync("INFO", "replication"), info => info!.Contains("master_link_status:up", StringComparison.Ordinal));
        var hub = await TestHub.StartAsync(directory, $"{primary.ConnectionString},{replica.ConnectionString},connectTimeout=500,asyncTimeout=1500", "failover", port: 0, new Dictionary<string, string?>
        {
            ["Redis:MinReplicasAcked"] = minReplicasAcked.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Redis:ReplicaAckTimeout"] = "00:00:00.300",
        });
        using var channel = GrpcChannel.ForAddress(TestHub.AddressOf(hub));
        var window = new VerificationService.VerificationServiceClient(channel);
        var acknowledged = new ConcurrentBag<(string RequestId, string Phase)>();
        var phase = "before";
        using var stop = new CancellationTokenSource();
        try
        {
            var load = Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => SubmittingWindow.RunAsync(window, caller, () => phase, acknowledged, stop.Token)));
            await Task.Delay(TimeSpan.FromSeconds(1));

            // The replica falls behind (stopped), the primary goes on taking writes, then dies.
            replica.Pause();
            phase = "replica behind";
            await Task.Delay(TimeSpan.FromSeconds(1));
            await primary.KillAsync();
            replica.Resume();
            await admin.GetServers()[0].ExecuteAsync("REPLICAOF", "NO", "ONE");
            // The new primary gets a replica of its own, as a cluster or Sentinel would give it.
            second = await RedisServerProcess.StartReplicaAsync(replica);
            phase = "after failover";
            await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count(a => a.Phase == "after failover")), n => n >= 20);
            await stop.CancelAsync();
            await load;

            var lost = await SubmittingWindow.LostAsync(window, acknowledged);

            var byPhase = acknowledged.GroupBy(a => a.Phase).ToDictionary(g => g.Key, g => g.Count());
            output.WriteLine($"Redis:MinReplicasAcked={minReplicasAcked}: acknowledged {string.Join(", ", byPhase.Select(p => $"{p.Key} {p.Value}"))}; lost {lost.Count} ({string.Join(", ", lost.GroupBy(l => l.Phase).Select(g => $"{g.Key} {g.Count()}"))})");
            Assert.True(byPhase.GetValueOrDefault("before") > 0, "no receipts before the failover");
            if (minReplicasAcked > 0)
            {
                // Nothing promised was lost; while the replica was away, nothing was promised.
                Assert.Empty(lost);
                Assert.Equal(0, byPhase.GetValueOrDefault("replica behind"));
            }
            else
            {
                // The primary's word alone: what it took while its replica was behind died with it.
                Assert.NotEmpty(lost);
                Assert.DoesNotContain(lost, l => l.Phase == "after failover");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await TestHub.StopAsync(hub);
            await primary.DisposeAsync();
            await replica.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }
}
