using System.Globalization;
using System.Threading.RateLimiting;
using Grpc.Core;
using Microsoft.AspNetCore.RateLimiting;
using NoCertHub.Hub.Identity;

namespace NoCertHub.Hub.Limits;

/// <summary>
/// Calls per caller per second (ASP.NET Core's rate limiter, a token bucket per caller): a caller
/// over its rate gets ResourceExhausted with how long to wait, in the message and in the
/// <c>retry-after-ms</c> metadata, before its call is authorised or read. Only gRPC calls count;
/// the metrics and health endpoints do not.
/// </summary>
internal static class CallRate
{
    /// <summary>The metadata key carrying how many milliseconds to wait before trying again.</summary>
    public const string RetryAfterKey = "retry-after-ms";

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    public static void Configure(RateLimiterOptions o, LimitOptions limits, ThrottleMetrics metrics)
    {
        // Replenished ten times a second, so a caller at its rate is not refused at the turn of each second.
        var perTenth = Math.Max(1, limits.CallsPerSecond / 10);
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            limits.CallsPerSecond <= 0 || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true
                ? RateLimitPartition.GetNoLimiter("")
                : RateLimitPartition.GetTokenBucketLimiter(CallerKey.Of(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(limits.Burst, perTenth),
                    TokensPerPeriod = perTenth,
                    ReplenishmentPeriod = Period,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        o.OnRejected = (rejected, _) =>
        {
            // The limiter's estimate assumes its refill lands on time; its timer can be a period late, so the hint adds one.
            var wait = (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.Zero) + Period;
            var milliseconds = Math.Max(1, (long)Math.Ceiling(wait.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
            metrics.Refused("calls");
            rejected.HttpContext.Response.Headers[RetryAfterKey] = milliseconds;
            AccessRefusal.TrailersOnly(rejected.HttpContext, StatusCode.ResourceExhausted,
                $"{CallerKey.Of(rejected.HttpContext)} made more than {limits.CallsPerSecond} calls a second (Limits:CallsPerSecond, bursts of Limits:Burst = {limits.Burst}); retry after {milliseconds} ms");
            return ValueTask.CompletedTask;
        };
    }
}
