extern alias hub;

using hub::NoCertHub.Hub.Redis;
using hub::NoCertHub.Hub.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>One Redis that several hubs of a test share: the embedded Garnet run on its own, or a real redis-server.</summary>
public abstract class SharedRedis : IAsyncLifetime
{
    public string ConnectionString { get; protected set; } = "";

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();
}

public sealed class SharedGarnet : SharedRedis, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-e2e-garnet-").FullName;
    private EmbeddedRedisServer? _server;

    public override Task InitializeAsync()
    {
        var options = new RedisOptions { Embedded = { DataDirectory = _directory, Memory = "128m", Index = "16m" } };
        _server = new EmbeddedRedisServer(Options.Create(options), Options.Create(new StorageOptions()), NullLogger<EmbeddedRedisServer>.Instance);
        ConnectionString = _server.ConnectionString;
        return Task.CompletedTask;
    }

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
