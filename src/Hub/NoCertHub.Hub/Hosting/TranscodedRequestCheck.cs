using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace NoCertHub.Hub.Hosting;

/// <summary>
/// The REST/JSON routes (gRPC JSON transcoding) read their request from JSON, not through
/// <see cref="HardenedMethodProvider{TService}"/>'s parser: this interceptor gives them the same
/// field checks (<see cref="RequestFields"/>) before a service sees the message, refused the same
/// way (InvalidArgument naming the field, logged and counted). Calls that came as gRPC were checked
/// when their message was read and pass straight through.
/// </summary>
internal sealed class TranscodedRequestCheck(ILogger<TranscodedRequestCheck> logger, MalformedMessages malformed) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request, context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(request, context);
        return continuation(request, responseStream, context);
    }

    /// <summary>True for a call that came over REST/JSON: its content is not application/grpc.</summary>
    public static bool IsTranscoded(ServerCallContext context) =>
        context.GetHttpContext().Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true;

    private void Check<TRequest>(TRequest request, ServerCallContext context)
    {
        if (request is not IMessage message || !IsTranscoded(context) || RequestFields.Problem(message) is not { } problem)
        {
            return;
        }

        HostingLog.RefusedMessage(logger, context.Method, message.Descriptor.Name, problem);
        malformed.Count(context.Method);
        throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
    }
}
