using Grpc.Core;

namespace NoCertHub.Hub.Core;

/// <summary>How many entries a listing returns: 0 means the default; out of range is the caller's error.</summary>
internal static class PageLimit
{
    public const int Default = 100;
    public const int Max = 1000;

    public static int Parse(int requested, string field) => requested switch
    {
        0 => Default,
        < 0 or > Max => throw new RequestRefusedException(StatusCode.InvalidArgument, $"{field} must be between 1 and {Max} (0 for {Default})"),
        _ => requested,
    };
}
