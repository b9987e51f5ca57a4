using Grpc.Core;

namespace NoCertHub.Sdk;

/// <summary>A call to the hub failed. <see cref="StatusCode"/> is the gRPC status; the message says what to do.</summary>
public class NoCertHubException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NoCertHubException(StatusCode statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The gRPC status the hub answered with.</summary>
    public StatusCode StatusCode { get; }
}

/// <summary>The request is malformed; the message names the field (gRPC InvalidArgument).</summary>
public sealed class InvalidVerificationRequestException(string message, Exception? innerException = null)
    : NoCertHubException(StatusCode.InvalidArgument, message, innerException);

/// <summary>The item code is not in the certificate catalog (gRPC NotFound on Submit/Verify).</summary>
public sealed class ItemNotFoundException(string message, Exception? innerException = null)
    : NoCertHubException(StatusCode.NotFound, message, innerException);

/// <summary>The item exists but is not in force today (gRPC FailedPrecondition).</summary>
public sealed class ItemNotInForceException(string message, Exception? innerException = null)
    : NoCertHubException(StatusCode.FailedPrecondition, message, innerException);

/// <summary>No request with that id is on record (gRPC NotFound on Get).</summary>
public sealed class RequestNotFoundException(string message, Exception? innerException = null)
    : NoCertHubException(StatusCode.NotFound, message, innerException);

/// <summary>The caller may not make this request (gRPC PermissionDenied).</summary>
public sealed class VerificationAccessDeniedException(string message, Exception? innerException = null)
    : NoCertHubException(StatusCode.PermissionDenied, message, innerException);

/// <summary>
/// No answer came before the call's deadline (gRPC DeadlineExceeded). The request stays tracked
/// at the hub: its result still arrives on Watch and through Get.
/// </summary>
public sealed class VerificationTimeoutException(string message, Exception? innerException = null)
    : NoCertHubException(StatusCode.DeadlineExceeded, message, innerException);

/// <summary>The hub, or a store behind it, cannot be reached now; retrying later may succeed (gRPC Unavailable).</summary>
public sealed class HubUnavailableException(string message, Exception? innerException = null)
    : NoCertHubException(StatusCode.Unavailable, message, innerException);
