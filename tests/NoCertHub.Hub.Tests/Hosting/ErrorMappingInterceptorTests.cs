using Grpc.Core;
using Microsoft.Data.Sqlite;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Hosting;
using NoCertHub.Hub.Storage;
using Prometheus;
using StackExchange.Redis;
using Xunit;

namespace NoCertHub.Hub.Tests.Hosting;

/// <summary>The hub's one error mapping: what each kind of failure reaches a caller as.</summary>
public sealed class ErrorMappingInterceptorTests
{
    private readonly ErrorMappingInterceptor _interceptor = new(new StoreErrorMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())));

    [Fact]
    public void Map_DomainRefusal_KeepsItsStatusAndMessage()
    {
        var mapped = _interceptor.Map(new RequestRefusedException(StatusCode.FailedPrecondition, "item JJ-X-001 is not in force"), CancellationToken.None);

        Assert.Equal(StatusCode.FailedPrecondition, mapped!.StatusCode);
        Assert.Equal("item JJ-X-001 is not in force", mapped.Status.Detail);
    }

    [Fact]
    public void Map_Outages_BecomeUnavailable_WithAMessageNamingTheStore()
    {
        var redis = _interceptor.Map(new RedisException("No connection is active/available to service this operation"), CancellationToken.None);
        var audit = _interceptor.Map(new AuditUnavailableException("The audit store did not accept the record", new IOException("disk full")), CancellationToken.None);
        var sql = _interceptor.Map(new SqliteException("database is locked", 5), CancellationToken.None);

        Assert.Equal((StatusCode.Unavailable, ErrorMappingInterceptor.RedisMessage), (redis!.StatusCode, redis.Status.Detail));
        Assert.Equal((StatusCode.Unavailable, ErrorMappingInterceptor.AuditMessage), (audit!.StatusCode, audit.Status.Detail));
        Assert.Equal((StatusCode.Unavailable, ErrorMappingInterceptor.SqlMessage), (sql!.StatusCode, sql.Status.Detail));
    }

    [Fact]
    public void Map_LeavesStatusesDefectsAndGoneCallersAlone()
    {
        using var gone = new CancellationTokenSource();
        gone.Cancel();

        Assert.Null(_interceptor.Map(new RpcException(new Status(StatusCode.NotFound, "no such request")), CancellationToken.None));
        Assert.Null(_interceptor.Map(new InvalidOperationException("a defect"), CancellationToken.None));
        Assert.Null(_interceptor.Map(new RedisException("No connection is active/available to service this operation"), gone.Token));
    }
}
