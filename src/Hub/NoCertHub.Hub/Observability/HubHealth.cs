using Microsoft.Extensions.Diagnostics.HealthChecks;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Catalog;
using StackExchange.Redis;

namespace NoCertHub.Hub.Observability;

/// <summary>
/// Health for orchestrators: <c>/healthz</c> says the process serves (liveness, no dependencies);
/// <c>/readyz</c> and the gRPC health service (grpc.health.v1) say it can take requests: Redis
/// answers a PING and both SQL stores answer a query.
/// </summary>
internal static class HubHealth
{
    public const string Ready = "ready";

    public static IServiceCollection AddHubHealth(this IServiceCollection services)
    {
        services.AddGrpcHealthChecks()
            .AddCheck<RedisReady>("redis", tags: [Ready])
            .AddCheck<AuditStoreReady>("audit-store", tags: [Ready])
            .AddCheck<CatalogStoreReady>("catalog-store", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapHubHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains(Ready) });
        return endpoints;
    }

    private sealed class RedisReady(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"PING answered in {latency.TotalMilliseconds:0.#} ms");
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                return HealthCheckResult.Unhealthy("Redis does not answer", e);
            }
        }
    }

    private sealed class AuditStoreReady(AuditChainStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await store.ReadRangeAsync(long.MaxValue, 1, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (System.Data.Common.DbException e)
            {
                return HealthCheckResult.Unhealthy("the audit store does not answer", e);
            }
        }
    }

    private sealed class CatalogStoreReady(SqlCatalogStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await store.DepartmentsAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (System.Data.Common.DbException e)
            {
                return HealthCheckResult.Unhealthy("the catalog store does not answer", e);
            }
        }
    }
}
