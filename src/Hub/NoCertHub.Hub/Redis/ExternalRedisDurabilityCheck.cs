using Microsoft.Extensions.Options;
using NoCertHub.Hub.Storage;
using StackExchange.Redis;

namespace NoCertHub.Hub.Redis;

/// <summary>
/// An external Redis keeps the durability promise only if its own persistence does: the hub cannot
/// sync another server's disk. At start it reads the server's settings (CONFIG GET) and warns when
/// they are weaker than <see cref="StorageOptions.Durability"/>: PowerLoss needs <c>appendonly yes</c>
/// with <c>appendfsync always</c>, ProcessCrash at least <c>appendonly yes</c>.
/// </summary>
internal sealed class ExternalRedisDurabilityCheck(
    IOptions<RedisOptions> redisOptions, IOptions<StorageOptions> storage, ILogger<ExternalRedisDurabilityCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(redisOptions.Value.ConnectionString))
        {
            // Not on the start's path: Redis may still be coming up, and the hub must start anyway.
            _ = Task.Run(async () =>
            {
                try
                {
                    await CheckAsync(CancellationToken.None);
                }
                catch (Exception e) when (e is RedisException or ArgumentException)
                {
                    RedisLog.DurabilityUnknown(logger, "?", storage.Value.Durability, e.Message);
                }
            }, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Checks every primary the hub is connected to; returns the warnings it logged.</summary>
    public async Task<IReadOnlyList<string>> CheckAsync(CancellationToken cancellationToken)
    {
        var promise = storage.Value.Durability;
        var warnings = new List<string>();
        // CONFIG is an admin command: a connection of its own for it, not the hub's.
        var config = ConfigurationOptions.Parse(redisOptions.Value.ConnectionString!);
        config.AllowAdmin = true;
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = 10_000;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(config);
        var primaries = redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
        if (primaries.Count == 0)
        {
            var configured = config.EndPoints.FirstOrDefault()?.ToString() ?? "?";
            RedisLog.DurabilityUnknown(logger, configured, promise, "not reachable at start");
        }

        foreach (var server in primaries)
        {
            var endpoint = server.EndPoint.ToString() ?? "?";
            string appendOnly, appendFsync;
            try
            {
                var settings = (await server.ConfigGetAsync("append*").WaitAsync(TimeSpan.FromSeconds(10), cancellationToken)).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
                appendOnly = settings.GetValueOrDefault("appendonly", "unknown");
                appendFsync = settings.GetValueOrDefault("appendfsync", "unknown");
            }
            catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException)
            {
                RedisLog.DurabilityUnknown(logger, endpoint, promise, e.Message);
                continue;
            }

            var enough = string.Equals(appendOnly, "yes", StringComparison.OrdinalIgnoreCase)
                && (promise == DurabilityPromise.ProcessCrash || string.Equals(appendFsync, "always", StringComparison.OrdinalIgnoreCase));
            if (!enough)
            {
                warnings.Add(endpoint);
                RedisLog.DurabilityWeaker(logger, endpoint, appendOnly, appendFsync, promise,
                    promise == DurabilityPromise.PowerLoss ? "appendonly yes and appendfsync always" : "appendonly yes");
            }
        }

        return warnings;
    }
}
