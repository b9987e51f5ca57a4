using Grpc.Core;
using Grpc.Core.Interceptors;
using NoCertHub.Hub.Storage;
using StackExchange.Redis;

namespace NoCertHub.Hub.Hosting;

/// <summary>
/// Turns a Redis outage met anywhere in a call into Unavailable with a message a caller can act
/// on, instead of gRPC's bare Unknown, for every service of the hub.
/// </summary>
internal sealed class StoreUnavailableInterceptor(StoreErrorMetrics metrics) : Interceptor
{
    private const string Message = "The hub cannot reach its Redis right now; retry shortly (a request that got no receipt was not accepted)";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (IsRedisOutage(e, context))
        {
            metrics.Failed("redis");
            throw new RpcException(new Status(StatusCode.Unavailable, Message, e));
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (IsRedisOutage(e, context))
        {
            metrics.Failed("redis");
            throw new RpcException(new Status(StatusCode.Unavailable, Message, e));
        }
    }

    private static bool IsRedisOutage(Exception e, ServerCallContext context) =>
        e is RedisException or RedisTimeoutException && !context.CancellationToken.IsCancellationRequested;
}
