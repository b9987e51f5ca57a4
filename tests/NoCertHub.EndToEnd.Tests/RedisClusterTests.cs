using System.Collections.Concurrent;
using Grpc.Net.Client;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;
using Xunit.Abstractions;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// Three hubs on a real Redis Cluster (three primaries, three replicas, loopback): requests made
/// at any hub are answered by agents connected to any other, and when a primary is killed under
/// load its replica takes over (the cluster's own failover) and no receipt handed out is lost.
/// </summary>
public sealed class RedisClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ThreeHubsOnACluster_AnswerEachOthersRequests_AndLoseNoReceiptWhenAPrimaryDies()
    {
        await using var cluster = await RedisClusterProcess.StartAsync();
        var directory = Directory.CreateTempSubdirectory("nocert-cluster-").FullName;
        var settings = new Dictionary<string, string?> { ["Redis:MinReplicasAcked"] = "1", ["Redis:ReplicaAckTimeout"] = "00:00:00.500" };
        var hubs = new List<WebApplication>();
        using var stop = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var folder = Directory.CreateDirectory(Path.Combine(directory, "hub" + i)).FullName;
                hubs.Add(await TestHub.StartAsync(folder, cluster.ConnectionString + ",connectTimeout=1000,asyncTimeout=3000", "cluster", port: 0, settings));
            }

            // An agent on each hub (as a department's agents spread over a load balancer); windows ask all three.
            var agentRuns = new List<AgentRun>();
            for (var i = 0; i < 3; i++)
            {
                agentRuns.Add(new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(hubs[i]), TestAgents.CivilAffairs(directory, "ca-cluster-" + i))));
            }

            var channels = hubs.Select(h => GrpcChannel.ForAddress(TestHub.AddressOf(h))).ToList();
            var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => new VerificationService.VerificationServiceClient(channels[i % 3])
                .VerifyAsync(new VerifyRequest { Request = HostileInputTests.Request() }, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync));
            var first = channels[0];

            var window = new VerificationService.VerificationServiceClient(first);
            var acknowledged = new ConcurrentBag<(string RequestId, string Phase)>();
            var phase = "before";
            var load = Task.WhenAll(Enumerable.Range(0, 4).Select(caller => SubmittingWindow.RunAsync(window, caller, () => phase, acknowledged, stop.Token)));
            await Task.Delay(TimeSpan.FromSeconds(1));
            // A primary dies; after the node timeout (2 s) its replica is elected in its place.
            var primary = await PrimaryAsync(cluster);
            await primary.KillAsync();
            phase = "failing over";
            // Back on its files, the old primary rejoins as its successor's replica: with
            // Redis:MinReplicasAcked=1 a shard takes writes again only once it has one.
            await Task.Delay(TimeSpan.FromSeconds(3));
            await primary.RestartAsync();
            await cluster.WaitUntilOkAsync(TimeSpan.FromSeconds(60));
            phase = "after";
            await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count(a => a.Phase == "after")), n => n >= 20);
            await stop.CancelAsync();
            await load;
            var lost = await SubmittingWindow.LostAsync(window, acknowledged);
            output.WriteLine($"acknowledged {string.Join(", ", acknowledged.GroupBy(a => a.Phase).Select(g => $"{g.Key} {g.Count()}"))}; lost {lost.Count}");

            foreach (var run in agentRuns)
            {
                await run.DisposeAsync();
            }

            channels.ForEach(c => c.Dispose());
            Assert.All(answers, a => Assert.Equal(Verdict.Match, a.Verdict));
            Assert.Contains(acknowledged, a => a.Phase == "before");
            Assert.Empty(lost);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var hub in hubs)
            {
                await TestHub.StopAsync(hub);
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<RedisServerProcess> PrimaryAsync(RedisClusterProcess cluster)
    {
        foreach (var node in cluster.Nodes)
        {
            await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(node.ConnectionString + ",allowAdmin=true");
            var info = (string?)await connection.GetServers()[0].ExecuteAsync("INFO", "replication");
            if (info?.Contains("role:master", StringComparison.Ordinal) == true)
            {
                return node;
            }
        }

        throw new InvalidOperationException("the cluster has no primary");
    }
}
