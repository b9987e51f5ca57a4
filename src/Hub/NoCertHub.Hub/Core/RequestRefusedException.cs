using Grpc.Core;

namespace NoCertHub.Hub.Core;

/// <summary>A request the hub refuses, with the status and a message a person can act on.</summary>
internal sealed class RequestRefusedException(StatusCode status, string message) : Exception(message)
{
    public StatusCode Status { get; } = status;

    public RpcException ToRpcException() => new(new Status(Status, Message));

    /// <summary>A malformed field: InvalidArgument with a message naming it.</summary>
    public static RequestRefusedException Invalid(string message) => new(StatusCode.InvalidArgument, message);
}
