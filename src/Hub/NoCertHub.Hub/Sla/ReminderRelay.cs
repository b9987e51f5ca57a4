using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Routing;
using NoCertHub.V1;
using StackExchange.Redis;

namespace NoCertHub.Hub.Sla;

/// <summary>
/// Delivers deadline reminders to every connected agent of the answering department. The hub that
/// claims a reminder publishes it on Redis; every hub, itself included, passes it to the agents
/// connected to it, so a department's agents are reminded wherever they are connected.
/// </summary>
internal sealed class ReminderRelay(IConnectionMultiplexer redis, RedisKeys keys, Dispatcher dispatcher, ILogger<ReminderRelay> logger) : IHostedService
{
    public Task PublishAsync(Receipt receipt)
    {
        var message = string.Create(CultureInfo.InvariantCulture,
            $"{receipt.OwningDepartment}|{receipt.RequestId}|{receipt.ItemCode}|{receipt.Deadline.Seconds}|{receipt.Deadline.Nanos}");
        return redis.GetSubscriber().PublishAsync(keys.RemindersChannel, message);
    }

    public Task StartAsync(CancellationToken cancellationToken) =>
        redis.GetSubscriber().SubscribeAsync(keys.RemindersChannel, (_, message) => Deliver((string?)message));

    public Task StopAsync(CancellationToken cancellationToken) =>
        redis.GetSubscriber().UnsubscribeAsync(keys.RemindersChannel);

    private void Deliver(string? message)
    {
        var parts = message?.Split('|');
        if (parts is not { Length: 5 }
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || !int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var nanos))
        {
            return;
        }

        var deadline = new Timestamp { Seconds = seconds, Nanos = nanos };
        var reminder = new HubMessage
        {
            Reminder = new TaskReminder { RequestId = parts[1], ItemCode = parts[2], Deadline = deadline },
        };
        var agents = dispatcher.AgentsOf(parts[0]);
        foreach (var agent in agents)
        {
            agent.Outbound.Writer.TryWrite(reminder);
        }

        if (agents.Count > 0)
        {
            SlaLog.Reminded(logger, agents.Count, parts[0], parts[1], deadline);
        }
    }
}
