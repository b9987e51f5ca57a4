using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Storage;
using NoCertHub.Testing;
using StackExchange.Redis;
using Xunit;

namespace NoCertHub.Hub.Tests.Requests;

/// <summary>A Redis for store tests: the hub's own embedded Garnet, or a real redis-server.</summary>
public abstract class RedisFixture : IAsyncLifetime
{
    public IConnectionMultiplexer Redis { get; private set; } = null!;

    /// <summary>What the hub would use on this server to make acknowledged writes durable.</summary>
    internal abstract ICommitBarrier Durability { get; }

    /// <summary>How the hub sends its request-path scripts on this server.</summary>
    internal ScriptPipeline Scripts { get; private set; } = null!;

    /// <summary>A hub's request store on this server, as the hub wires it.</summary>
    internal RedisRequestStore RequestStore(RedisKeys keys, IOptions<SlaOptions>? sla = null, HubIncarnation? incarnation = null, RedisOptions? options = null, ScriptPipeline? scripts = null) =>
        new(Redis, keys, Options.Create(options ?? new RedisOptions()), sla ?? Options.Create(new SlaOptions()),
            incarnation ?? new HubIncarnation(Options.Create(new HubOptions())), scripts ?? Scripts);

    protected abstract Task<string> StartAsync();

    protected abstract Task StopAsync();

    public async Task InitializeAsync()
    {
        Redis = await ConnectionMultiplexer.ConnectAsync(await StartAsync());
        Scripts = new ScriptPipeline(Redis, Durability);
    }

    public async Task DisposeAsync()
    {
        await Scripts.DisposeAsync();
        await Redis.DisposeAsync();
        await StopAsync();
    }
}

public sealed class GarnetFixture : RedisFixture, IDisposable
{
    private AofCommitBarrier? _durability;

    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-garnet-").FullName;
    private EmbeddedRedisServer? _server;

    internal override ICommitBarrier Durability => _durability ??= new AofCommitBarrier(_server!.CommitAsync);

    protected override Task<string> StartAsync()
    {
        var options = new RedisOptions { Embedded = { DataDirectory = _directory, Memory = "64m", Index = "16m" } };
        _server = new EmbeddedRedisServer(Options.Create(options), Options.Create(new StorageOptions()), NullLogger<EmbeddedRedisServer>.Instance);
        return Task.FromResult(_server.ConnectionString);
    }

    protected override Task StopAsync()
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

public sealed class RedisServerFixture : RedisFixture
{
    private RedisServerProcess? _process;

    internal override ICommitBarrier Durability { get; } = new ServerConfiguredDurability();

    protected override async Task<string> StartAsync()
    {
        _process = await RedisServerProcess.StartAsync();
        return _process.ConnectionString;
    }

    protected override async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
