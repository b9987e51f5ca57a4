using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace NoCertHub.Hub.Redis;

internal static class RedisServiceCollectionExtensions
{
    public static IServiceCollection AddRedis(this IServiceCollection services)
    {
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section)
            .Validate(o => o.Shards is >= 1 and <= 100, "Redis:Shards must be between 1 and 100")
            .Validate(o => o.WindowHistory is >= 1 and <= 200_000, "Redis:WindowHistory must be between 1 and 200000 (each window's history is one string of 30 bytes per answer kept)")
            .Validate(o => o.Embedded.CommitFrequency >= TimeSpan.Zero && o.Embedded.CommitFrequency <= TimeSpan.FromMinutes(1), "Redis:Embedded:CommitFrequency must be between 0 and 00:01:00")
            .Validate(o => o.Embedded.CheckpointInterval is null || (o.Embedded.CheckpointInterval >= TimeSpan.Zero && o.Embedded.CheckpointInterval <= TimeSpan.FromDays(1)), "Redis:Embedded:CheckpointInterval must be between 0 (never) and 1.00:00:00")
            .Validate(o => o.Embedded.CompactionSegments >= 0, "Redis:Embedded:CompactionSegments must not be negative (0: never compact)")
            .Validate(o => o.MinReplicasAcked == 0 || !string.IsNullOrWhiteSpace(o.ConnectionString), "Redis:MinReplicasAcked needs an external Redis (Redis:ConnectionString): the embedded Garnet has no replicas")
            .Validate(o => o.MinReplicasAcked is >= 0 and <= 10, "Redis:MinReplicasAcked must be between 0 and 10")
            .Validate(o => o.ReplicaAckTimeout > TimeSpan.Zero && o.ReplicaAckTimeout <= TimeSpan.FromMinutes(1), "Redis:ReplicaAckTimeout must be between 0 and 00:01:00")
            .ValidateOnStart();
        services.AddSingleton<EmbeddedRedisServer>();
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RedisOptions>>().Value;
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("NoCertHub.Hub.Redis");
            string connectionString;
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                connectionString = sp.GetRequiredService<EmbeddedRedisServer>().ConnectionString;
            }
            else
            {
                connectionString = options.ConnectionString;
                var endpoint = connectionString.Split(',')[0];
                RedisLog.ExternalRedis(logger, endpoint);
            }

            var config = ConfigurationOptions.Parse(connectionString);
            // A hub must start even if Redis is briefly away; requests fail Unavailable until it is back.
            config.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(config);
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RedisOptions>>().Value;
            return new RedisKeys(options.KeyPrefix, options.Shards);
        });
        services.AddSingleton<ICommitBarrier>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RedisOptions>>().Value;
            return string.IsNullOrWhiteSpace(options.ConnectionString) && options.Embedded.WaitForCommit
                ? new GroupCommitBarrier(sp.GetRequiredService<EmbeddedRedisServer>().CommitAsync)
                : options.MinReplicasAcked > 0
                ? new GroupCommitBarrier(new ReplicaAcknowledgement(sp.GetRequiredService<IConnectionMultiplexer>(), options.MinReplicasAcked, options.ReplicaAckTimeout).WaitAsync)
                : new ServerConfiguredDurability();
        });
        services.AddSingleton(sp => new ScriptPipeline(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<ICommitBarrier>(), sp.GetRequiredService<IOptions<RedisOptions>>().Value.GroupScripts));
        services.AddSingleton<ExternalRedisDurabilityCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<ExternalRedisDurabilityCheck>());
        return services;
    }
}
