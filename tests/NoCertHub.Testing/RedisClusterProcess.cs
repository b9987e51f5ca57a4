using System.Diagnostics;
using StackExchange.Redis;

namespace NoCertHub.Testing;

/// <summary>
/// A real Redis Cluster on loopback: six redis-server processes (Debian's package) in cluster
/// mode, three primaries with a replica each, joined by <c>redis-cli --cluster create</c>.
/// </summary>
public sealed class RedisClusterProcess : IAsyncDisposable
{
    private readonly List<RedisServerProcess> _nodes;

    private RedisClusterProcess(List<RedisServerProcess> nodes) => _nodes = nodes;

    public IReadOnlyList<RedisServerProcess> Nodes => _nodes;

    /// <summary>Every node's endpoint: the client finds the primaries and replicas among them.</summary>
    public string ConnectionString => string.Join(",", _nodes.Select(n => n.ConnectionString));

    public static async Task<RedisClusterProcess> StartAsync()
    {
        var nodes = new List<RedisServerProcess>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                nodes.Add(await RedisServerProcess.StartAsync(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"]));
            }

            var cli = ServerProcess.Which("redis-cli") ?? throw new InvalidOperationException("redis-cli is not installed (it comes with redis-server)");
            var create = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true };
            string[] arguments = ["--cluster", "create", .. nodes.Select(n => n.ConnectionString), "--cluster-replicas", "1", "--cluster-yes"];
            foreach (var argument in arguments)
            {
                create.ArgumentList.Add(argument);
            }

            using (var process = Process.Start(create)!)
            {
                var output = await process.StandardOutput.ReadToEndAsync();
                await process.WaitForExitAsync();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException("redis-cli --cluster create failed:\n" + output + await process.StandardError.ReadToEndAsync());
                }
            }

            var cluster = new RedisClusterProcess(nodes);
            await cluster.WaitUntilOkAsync();
            return cluster;
        }
        catch
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Waits until every node that runs says the cluster is ok (all slots served) and every primary has a replica in sync.</summary>
    public async Task WaitUntilOkAsync(TimeSpan? patience = null)
    {
        var until = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var ok = true;
            foreach (var node in _nodes.Where(n => n.Running))
            {
                try
                {
                    await using var connection = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { node.ConnectionString }, ConnectTimeout = 1000, AllowAdmin = true });
                    var info = (string?)await connection.GetServers()[0].ExecuteAsync("CLUSTER", "INFO");
                    ok &= info?.Contains("cluster_state:ok", StringComparison.Ordinal) == true;
                    // And replicated: a primary with its replica attached, a replica in sync with its primary.
                    var replication = (string?)await connection.GetServers()[0].ExecuteAsync("INFO", "replication") ?? "";
                    ok &= replication.Contains("role:master", StringComparison.Ordinal)
                        ? !replication.Contains("connected_slaves:0", StringComparison.Ordinal)
                        : replication.Contains("master_link_status:up", StringComparison.Ordinal);
                }
                catch (RedisException)
                {
                    ok = false;
                }
            }

            if (ok)
            {
                return;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException("the Redis Cluster did not reach cluster_state:ok");
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}
