using System.Data.Common;
using Grpc.Core;
using Grpc.Core.Interceptors;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Storage;
using StackExchange.Redis;

namespace NoCertHub.Hub.Hosting;

/// <summary>
/// The one place where failures become gRPC statuses, for every service of the hub: a domain refusal
/// keeps the status it carries (InvalidArgument naming the field, NotFound, FailedPrecondition,
/// PermissionDenied), and an outage of Redis, the audit store or a SQL database becomes Unavailable
/// with a message a caller can act on — never gRPC's bare Unknown. Anything else is a defect and
/// stays Unknown, logged by gRPC.
/// </summary>
internal sealed class ErrorMappingInterceptor(StoreErrorMetrics metrics) : Interceptor
{
    internal const string ReplicaMessage = "The hub's Redis did not confirm the write on its replicas in time (Redis:MinReplicasAcked); retry shortly with the same client_request_id (nothing was promised)";
    internal const string RedisMessage = "The hub cannot reach its Redis right now; retry shortly (a request that got no receipt was not accepted)";
    internal const string AuditMessage = "The audit store is unavailable; no request can be processed until it is back. Retry shortly";
    internal const string SqlMessage = "The hub cannot reach its database (audit or catalog) right now; retry shortly";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (Map(e, context.CancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (Map(e, context.CancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Map(e, context.CancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (Map(e, context.CancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>The status a failure reaches the caller with; null: leave it as it is (already a status, the caller gone, or a defect).</summary>
    internal RpcException? Map(Exception e, CancellationToken call)
    {
        if (e is RpcException || call.IsCancellationRequested)
        {
            return null;
        }

        switch (e)
        {
            case RequestRefusedException refused:
                return refused.ToRpcException();
            case ReplicasNotAcknowledgedException:
                metrics.Failed("redis");
                return new RpcException(new Status(StatusCode.Unavailable, ReplicaMessage, e));
            case RedisException or RedisTimeoutException:
                metrics.Failed("redis");
                return new RpcException(new Status(StatusCode.Unavailable, RedisMessage, e));
            case AuditUnavailableException:
                return new RpcException(new Status(StatusCode.Unavailable, AuditMessage, e));
            case DbException:
                return new RpcException(new Status(StatusCode.Unavailable, SqlMessage, e));
            default:
                return null;
        }
    }
}
