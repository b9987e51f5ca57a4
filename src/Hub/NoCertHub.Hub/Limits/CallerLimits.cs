using System.Collections.Concurrent;
using Grpc.Core;
using NoCertHub.Hosting.Pki;
using Prometheus;
using NoCertHub.Hub.Identity;

namespace NoCertHub.Hub.Limits;

/// <summary>How much one caller may ask of the hub at once (section <c>Limits</c>).</summary>
internal sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>Calls per second one caller may make, sustained (a token bucket per caller); 0 turns the rate limit off.</summary>
    public int CallsPerSecond { get; set; } = 200;

    /// <summary>Calls one caller may make at once above the sustained rate (the bucket's size).</summary>
    public int Burst { get; set; } = 400;

    /// <summary>Watch streams one caller may hold open at once.</summary>
    public int WatchStreamsPerCaller { get; set; } = 16;

    /// <summary>Agent streams one caller may hold open at once (a certified agent holds one; a second with its id replaces the first).</summary>
    public int AgentStreamsPerCaller { get; set; } = 4;

    /// <summary>
    /// Requests one department may have waiting for an agent in this hub's memory; beyond it,
    /// Submit and Verify for that department's items are refused with ResourceExhausted until its
    /// agents take some (a department whose agent is down cannot make the hub's memory grow without bound).
    /// </summary>
    public int QueuedPerDepartment { get; set; } = 50_000;
}

/// <summary>
/// Who a caller is for the limits: its certificate (role, department, name). A caller without
/// one (insecure loopback mode, development only) is its network address for the call rate, and
/// what it declares (the window it watches, the agent it says it is) for its streams.
/// </summary>
internal static class CallerKey
{
    public static string Of(HttpContext context) =>
        CallerIdentity.From(context.User) is { } caller
            ? Certified(caller)
            : "address " + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    public static string ForStreams(CallerIdentity? caller, string declared) => caller is null ? "declared " + declared : Certified(caller);

    private static string Certified(CallerIdentity caller) => $"{caller.Role.Name()} {caller.Department}/{caller.Name}";
}

/// <summary>Counts what the limits refused (nocert_throttled_total, by limit).</summary>
internal sealed class ThrottleMetrics(IMetricFactory metrics)
{
    private readonly Counter _refused = metrics.CreateCounter("nocert_throttled_total",
        "Calls refused with ResourceExhausted by a limit: calls (per caller per second), watch-streams, agent-streams (per caller at once), department-queue (requests waiting for a department's agent).",
        new CounterConfiguration { LabelNames = ["limit"] });

    public void Refused(string limit) => _refused.WithLabels(limit).Inc();
}

/// <summary>Open streams per caller, within <see cref="LimitOptions"/>'s caps.</summary>
internal sealed class StreamQuota(ThrottleMetrics metrics)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Takes one of <paramref name="caller"/>'s <paramref name="max"/> streams of <paramref name="kind"/> for as long as the lease lives, or refuses with ResourceExhausted.</summary>
    public IDisposable Open(string kind, string caller, int max, string setting)
    {
        var key = kind + "|" + caller;
        var now = _open.AddOrUpdate(key, 1, static (_, n) => n + 1);
        if (now > max)
        {
            Release(key);
            metrics.Refused(kind);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"{caller} already holds {max} {kind} open ({setting}); close one before opening another"));
        }

        return new Lease(this, key);
    }

    private void Release(string key)
    {
        if (_open.AddOrUpdate(key, 0, static (_, n) => n - 1) <= 0)
        {
            // Forget a caller with nothing open, unless it opened another stream meanwhile.
            _open.TryRemove(KeyValuePair.Create(key, 0));
        }
    }

    private sealed class Lease(StreamQuota quota, string key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                quota.Release(key);
            }
        }
    }
}

internal static class LimitsServiceCollectionExtensions
{
    public static IServiceCollection AddCallerLimits(this IServiceCollection services)
    {
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section);
        services.AddSingleton<ThrottleMetrics>();
        services.AddSingleton<StreamQuota>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<LimitOptions>, ThrottleMetrics>((o, options, metrics) => CallRate.Configure(o, options.Value, metrics));
        return services;
    }
}
