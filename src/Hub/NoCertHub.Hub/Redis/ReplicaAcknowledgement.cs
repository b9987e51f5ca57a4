using System.Globalization;
using StackExchange.Redis;

namespace NoCertHub.Hub.Redis;

/// <summary>
/// Waits until every write the hub has sent so far is on <c>replicas</c> replicas of each primary
/// it writes to: Redis's WAIT, sent on the same connection as the writes (StackExchange.Redis keeps
/// one per server), so it covers them. On a Redis Cluster every primary is asked; the request
/// path's keys are spread over all of them.
/// </summary>
internal sealed class ReplicaAcknowledgement(IConnectionMultiplexer redis, int replicas, TimeSpan timeout)
{
    private long _lastLook;

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        var primaries = Primaries();
        if (primaries.Length == 0 && Environment.TickCount64 - Interlocked.Exchange(ref _lastLook, Environment.TickCount64) > 1000)
        {
            // A replica promoted after its primary died is still a replica to the client until it
            // looks again (by itself, once a minute): look now, at most once a second.
            await redis.ConfigureAsync();
            primaries = Primaries();
        }

        if (primaries.Length == 0)
        {
            throw new ReplicasNotAcknowledgedException("no Redis primary is connected");
        }

        var milliseconds = (long)timeout.TotalMilliseconds;
        var acknowledged = await Task.WhenAll(primaries.Select(async server =>
            (server.EndPoint, Replicas: (long)await server.ExecuteAsync("WAIT", replicas, milliseconds)))).WaitAsync(cancellationToken);
        var shortOf = acknowledged.Where(a => a.Replicas < replicas).ToList();
        if (shortOf.Count > 0)
        {
            throw new ReplicasNotAcknowledgedException(string.Join("; ", shortOf.Select(a =>
                string.Create(CultureInfo.InvariantCulture, $"{a.EndPoint}: {a.Replicas} of {replicas} replicas within {milliseconds} ms"))));
        }
    }

    private IServer[] Primaries() => redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToArray();
}

/// <summary>A write the primary took but fewer replicas than Redis:MinReplicasAcked confirmed in time: not promised to anyone.</summary>
internal sealed class ReplicasNotAcknowledgedException(string detail)
    : RedisException($"Redis did not confirm the write on enough replicas (Redis:MinReplicasAcked): {detail}");
