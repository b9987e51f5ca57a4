extern alias hub;

using System.Net;
using hub::NoCertHub.Hub.Audit;
using hub::NoCertHub.Hub.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using NoCertHub.Sdk;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>Starts real hubs: Kestrel on loopback, with their real stores.</summary>
internal static class TestHub
{
    public static async Task<WebApplication> StartAsync(
        string directory, string? redis, string keyPrefix, int port, IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null,
        int? http1Port = null, Action<ILoggingBuilder>? logging = null)
    {
        // An empty content root: no appsettings.json, so only what is set here applies.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = directory, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = directory,
            ["Catalog:SeedPath"] = Path.Combine(AppContext.BaseDirectory, "catalog", "sample-catalog.json"),
            ["Catalog:ConnectionString"] = $"Data Source={Path.Combine(directory, "catalog.db")}",
            ["Complaints:ConnectionString"] = $"Data Source={Path.Combine(directory, "complaints.db")}",
            ["Redis:ConnectionString"] = redis ?? "",
            ["Redis:KeyPrefix"] = keyPrefix,
            ["Redis:Embedded:DataDirectory"] = Path.Combine(directory, "redis"),
            ["Audit:ConnectionString"] = $"Data Source={Path.Combine(directory, "audit.db")}",
            ["Audit:SubjectKeyPath"] = Path.Combine(directory, "audit-keys", "subject.key"),
            ["Audit:SigningKeyPath"] = Path.Combine(directory, "audit-keys", "signing.pem"),
            ["Audit:CheckpointDirectory"] = Path.Combine(directory, "audit-checkpoints"),
            ["Evaluation:ReportDirectory"] = Path.Combine(directory, "reports"),
            ["Hub:RetryDelay"] = "00:00:00.200",
            ["Hub:InstanceId"] = "e2e-hub-" + Guid.NewGuid().ToString("N")[..6],
            ["Logging:LogLevel:Default"] = "Warning",
            // Callers act as they declare; the certificate tests set Security:Mode Certificates.
            ["Security:Mode"] = "InsecureLoopback",
            // Tests call far faster than a window; the limit's own tests set it.
            ["Limits:CallsPerSecond"] = "0",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        var tls = builder.Configuration["Security:Mode"] == "Certificates";
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                // Certificate mode: TLS with the hub's certificate (Security:ServerCertificate), asking callers for theirs,
                // and, as production's gRPC endpoint, both protocols (ALPN): REST/JSON callers may speak HTTP/1.1.
                if (tls)
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    l.UseHttps(https => TransportSecurity.Configure(https, TransportSecurity.Options(builder.Configuration)));
                }
            });
            if (http1Port is { } plain)
            {
                // As production's metrics endpoint: Prometheus scrapes HTTP/1.1.
                k.Listen(IPAddress.Loopback, plain, l => l.Protocols = HttpProtocols.Http1);
            }
        });
        logging?.Invoke(builder.Logging);
        builder.Services.AddNoCertHub();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        // The production start-up sequence: the data folder's lock first, then the stores.
        var app = builder.BuildHub();
        await app.StartAsync();
        return app;
    }

    /// <summary>The running hub's audit chain checked as `verify-audit` checks it: every record, against the signed checkpoints in <paramref name="directory"/>.</summary>
    public static async Task<AuditVerification> VerifyAuditAsync(WebApplication app, string directory)
    {
        using var publicKey = System.Security.Cryptography.ECDsa.Create();
        publicKey.ImportFromPem(app.Services.GetRequiredService<AuditKeys>().PublicKeyPem);
        return await new AuditVerifier(app.Services.GetRequiredService<AuditChainStore>(), app.Services.GetRequiredService<AuditChain>())
            .VerifyAsync(Path.Combine(directory, "audit-checkpoints"), publicKey, CancellationToken.None);
    }

    public static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}

/// <summary>
/// Real hubs on loopback ports, with their real stores, as a test class shares them: one hub, or
/// (on a Redis Cluster) three sharing the cluster and one audit database, windows asking the first
/// and agents connected to the second, so every answer crosses hubs.
/// </summary>
public abstract class HubFixture : IAsyncLifetime
{
    private readonly List<WebApplication> _hubs = [];

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("nocert-e2e-").FullName;

    /// <summary>The hub the windows ask.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The hub the agents connect to: the same one, or another where there are several.</summary>
    public Uri AgentAddress { get; private set; } = null!;

    public NoCertHubClient Client { get; private set; } = null!;

    internal AuditSearchIndex Audit => _hubs[0].Services.GetRequiredService<AuditSearchIndex>();

    internal IServiceProvider Services => _hubs[0].Services;

    /// <summary>How many hubs share the Redis.</summary>
    protected virtual int HubCount => 1;

    /// <summary>The external Redis to use, or null for the embedded server.</summary>
    protected abstract Task<string?> StartRedisAsync();

    protected virtual Task StopRedisAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var redis = await StartRedisAsync();
        var prefix = "e2e-" + Guid.NewGuid().ToString("N")[..8];
        if (HubCount == 1)
        {
            _hubs.Add(await TestHub.StartAsync(Directory, redis, prefix, port: 0));
        }
        else
        {
            // Each hub its own data folder; one audit database and its keys, as several hubs share SQL Server.
            var audit = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "audit")).FullName;
            var shared = new Dictionary<string, string?>
            {
                ["Audit:ConnectionString"] = $"Data Source={Path.Combine(audit, "audit.db")}",
                ["Audit:SubjectKeyPath"] = Path.Combine(audit, "keys", "subject.key"),
                ["Audit:SigningKeyPath"] = Path.Combine(audit, "keys", "signing.pem"),
                ["Audit:CheckpointDirectory"] = Path.Combine(audit, "checkpoints"),
            };
            for (var i = 0; i < HubCount; i++)
            {
                var folder = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "hub" + i)).FullName;
                _hubs.Add(await TestHub.StartAsync(folder, redis, prefix, port: 0, shared));
            }
        }

        Address = TestHub.AddressOf(_hubs[0]);
        AgentAddress = TestHub.AddressOf(_hubs[Math.Min(1, _hubs.Count - 1)]);
        Client = new NoCertHubClient(new NoCertHubClientOptions { Address = Address, VerifyTimeout = TimeSpan.FromSeconds(20) });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        foreach (var hub in _hubs)
        {
            await TestHub.StopAsync(hub);
        }

        await StopRedisAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }
}

public sealed class GarnetHubFixture : HubFixture
{
    protected override Task<string?> StartRedisAsync() => Task.FromResult<string?>(null);
}

public sealed class RedisServerHubFixture : HubFixture
{
    private RedisServerProcess? _redis;

    protected override async Task<string?> StartRedisAsync()
    {
        _redis = await RedisServerProcess.StartAsync();
        return _redis.ConnectionString;
    }

    protected override async Task StopRedisAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

/// <summary>Three hubs on a loopback Redis Cluster (three primaries, three replicas).</summary>
public sealed class RedisClusterHubFixture : HubFixture
{
    private RedisClusterProcess? _cluster;

    protected override int HubCount => 3;

    protected override async Task<string?> StartRedisAsync()
    {
        _cluster = await RedisClusterProcess.StartAsync();
        return _cluster.ConnectionString;
    }

    protected override async Task StopRedisAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
