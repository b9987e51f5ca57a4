using Grpc.Core;

namespace NoCertHub.Sdk.Internal;

internal static class Errors
{
    /// <summary>The caller's own cancellation stays an OperationCanceledException; everything else becomes a typed hub error.</summary>
    public static Exception Map(RpcException e, CancellationToken cancellationToken, bool notFoundIsRequest = false)
    {
        if (cancellationToken.IsCancellationRequested && e.StatusCode == StatusCode.Cancelled)
        {
            return new OperationCanceledException("the call was cancelled by the caller", e, cancellationToken);
        }

        var message = string.IsNullOrEmpty(e.Status.Detail) ? e.Status.StatusCode.ToString() : e.Status.Detail;
        return e.StatusCode switch
        {
            StatusCode.InvalidArgument => new InvalidVerificationRequestException(message, e),
            StatusCode.NotFound when notFoundIsRequest => new RequestNotFoundException(message, e),
            StatusCode.NotFound => new ItemNotFoundException(message, e),
            StatusCode.FailedPrecondition => new ItemNotInForceException(message, e),
            StatusCode.PermissionDenied or StatusCode.Unauthenticated => new VerificationAccessDeniedException(message, e),
            StatusCode.DeadlineExceeded => new VerificationTimeoutException(message, e),
            StatusCode.Unavailable => new HubUnavailableException(message, e),
            _ => new NoCertHubException(e.StatusCode, message, e),
        };
    }

    /// <summary>Statuses after which a watch reconnects rather than gives up.</summary>
    public static bool IsTransient(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted
            or StatusCode.ResourceExhausted or StatusCode.Cancelled;
}
