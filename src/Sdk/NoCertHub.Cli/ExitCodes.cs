using Grpc.Core;

namespace NoCertHub.Cli;

/// <summary>What a script can test after running nocert (docs/cli.md lists them).</summary>
internal static class ExitCodes
{
    /// <summary>Done; for verify: MATCH; for audit verify: intact; for health: serving.</summary>
    public const int Ok = 0;

    /// <summary>The hub answered, and the answer is no: a verdict other than MATCH, a trail not intact, a hub not serving.</summary>
    public const int Negative = 1;

    /// <summary>The command line is wrong (unknown command, missing option, unreadable file).</summary>
    public const int Usage = 2;

    /// <summary>The hub cannot be reached or is unavailable (retry later): Unavailable, DeadlineExceeded.</summary>
    public const int Unavailable = 3;

    /// <summary>The certificate was refused or may not do this: Unauthenticated, PermissionDenied.</summary>
    public const int Refused = 4;

    /// <summary>What was named does not exist: NotFound.</summary>
    public const int NotFound = 5;

    /// <summary>The hub refused the request as given: InvalidArgument, FailedPrecondition, AlreadyExists, OutOfRange, ResourceExhausted.</summary>
    public const int Invalid = 6;

    /// <summary>Anything else (a defect: please report it with the message).</summary>
    public const int Other = 7;

    public static int Of(StatusCode status) => status switch
    {
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => Unavailable,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => Refused,
        StatusCode.NotFound => NotFound,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.OutOfRange or StatusCode.ResourceExhausted => Invalid,
        _ => Other,
    };
}
