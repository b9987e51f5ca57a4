using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
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
    private readonly SharedGarnet _garnet = new() { Memory = "64m" };
    private GroupCommitBarrier? _durability;

    internal override ICommitBarrier Durability => _durability ??= new GroupCommitBarrier(_garnet.CommitAsync);

    protected override async Task<string> StartAsync()
    {
        await _garnet.InitializeAsync();
        return _garnet.ConnectionString;
    }

    protected override Task StopAsync() => _garnet.DisposeAsync();

    public void Dispose() => _garnet.Dispose();
}

public sealed class RedisServerFixture : RedisFixture
{
    private readonly SharedRedisServer _server = new();

    internal override ICommitBarrier Durability { get; } = new ServerConfiguredDurability();

    protected override async Task<string> StartAsync()
    {
        await _server.InitializeAsync();
        return _server.ConnectionString;
    }

    protected override Task StopAsync() => _server.DisposeAsync();
}
