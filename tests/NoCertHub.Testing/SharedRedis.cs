using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Storage;
using Xunit;

namespace NoCertHub.Testing;

/// <summary>
/// A Redis started for a test class and shared by what it runs (stores, whole hubs): the hub's
/// own embedded Garnet run on its own, or a real redis-server. Every Redis test runs on both.
/// </summary>
public abstract class SharedRedis : IAsyncLifetime
{
    public string ConnectionString { get; protected set; } = "";

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();
}

public sealed class SharedGarnet : SharedRedis, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-garnet-").FullName;
    private EmbeddedRedisServer? _server;

    /// <summary>Garnet's log memory; store tests take less than whole hubs.</summary>
    public string Memory { get; init; } = "128m";

    public override Task InitializeAsync()
    {
        var options = new RedisOptions { Embedded = { DataDirectory = _directory, Memory = Memory, Index = "16m" } };
        _server = new EmbeddedRedisServer(Options.Create(options), Options.Create(new StorageOptions()), NullLogger<EmbeddedRedisServer>.Instance);
        ConnectionString = _server.ConnectionString;
        return Task.CompletedTask;
    }

    /// <summary>Commits (and, by default, syncs) Garnet's append-only file, as the hub's commit barrier does.</summary>
    public Task CommitAsync(CancellationToken cancellationToken) =>
        (_server ?? throw new InvalidOperationException("Garnet has not been started")).CommitAsync(cancellationToken);

    public override Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _server?.Dispose();
        _server = null;
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

public sealed class SharedRedisServer : SharedRedis
{
    private RedisServerProcess? _process;

    public override async Task InitializeAsync()
    {
        _process = await RedisServerProcess.StartAsync();
        ConnectionString = _process.ConnectionString;
    }

    public override async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}

/// <summary>A loopback Redis Cluster (three primaries, three replicas) for a test class: the hub's keys spread over its slots.</summary>
public sealed class SharedRedisCluster : SharedRedis
{
    private RedisClusterProcess? _cluster;

    public override async Task InitializeAsync()
    {
        _cluster = await RedisClusterProcess.StartAsync();
        ConnectionString = _cluster.ConnectionString;
    }

    public override async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
