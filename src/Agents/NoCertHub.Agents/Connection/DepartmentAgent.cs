using System.Collections.Concurrent;
using System.Data.Common;
using System.Threading.Channels;
using Grpc.Core;
using NoCertHub.Agents.Checking;
using NoCertHub.Agents.Hosting;
using NoCertHub.Agents.OnSite;
using NoCertHub.Sdk.Seals;
using NoCertHub.V1;

namespace NoCertHub.Agents.Connection;

/// <summary>
/// Keeps one department's stream to the hub open: registers, answers tasks as they come (the hub
/// never sends more than the declared capacity), and reconnects with jittered exponential
/// back-off whenever the stream drops. Every answer leaves sealed with the agent's certificate key
/// (Art. 10) when the agent has one; an on-site answer's seal names the officer who checked.
/// </summary>
internal sealed class DepartmentAgent(
    AgentService.AgentServiceClient client,
    DepartmentAgentOptions options,
    string agentId,
    ClaimChecker checker,
    OnSiteWorkList? workList,
    ResultSealer? sealer,
    AgentMetrics metrics,
    AgentOptions agentOptions,
    TimeProvider time,
    ILogger logger)
{
    public string AgentId { get; } = agentId;

    /// <summary>Completes the first time the hub welcomes this agent; for callers who must know it is connected.</summary>
    public TaskCompletionSource Welcomed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The items whose query runs against the department's database, found before the first
    // connection; null until then.
    private IReadOnlyList<string>? _items;

    private readonly Lock _outageLock = new();

    // Since when the department's database has not answered; null while it does.
    private DateTimeOffset? _outageSince;

    // How long to wait before looking at the database again; doubles while outages recur.
    private TimeSpan _outageBackoff = agentOptions.ReconnectMin;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = agentOptions.ReconnectMin;
        while (!cancellationToken.IsCancellationRequested)
        {
            if ((_items is null || _outageSince is not null) && !await WaitForDatabaseAsync(cancellationToken))
            {
                return;
            }

            var welcomed = false;
            try
            {
                welcomed = await RunSessionAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.PermissionDenied)
            {
                // The hub refuses this configuration: say so loudly, and retry slowly in case the catalog changes.
                AgentLog.Refused(logger, AgentId, e.StatusCode, e.Status.Detail);
                backoff = agentOptions.ReconnectMax;
            }
            catch (RpcException e)
            {
                AgentLog.StreamLost(logger, AgentId, e.StatusCode, e.Status.Detail);
            }

            metrics.Connected(options.Department, up: false);
            metrics.Reconnecting(options.Department);

            if (welcomed)
            {
                backoff = agentOptions.ReconnectMin;
            }

            var jittered = backoff * (0.5 + Random.Shared.NextDouble() / 2);
            try
            {
                await Task.Delay(jittered, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, agentOptions.ReconnectMax.Ticks));
        }
    }

    private async Task<bool> RunSessionAsync(CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = client.Connect(cancellationToken: session.Token);
        var hello = new AgentHello { Department = options.Department, AgentId = AgentId, Capacity = options.Capacity };
        hello.ItemCodes.Add(_items!);
        var offered = string.Join(", ", hello.ItemCodes);
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = hello }, session.Token);

        // One writer: answers from concurrent checks queue here and go out in order.
        var outbound = Channel.CreateUnbounded<AgentMessage>(new UnboundedChannelOptions { SingleReader = true });
        var writer = WriteLoopAsync(call.RequestStream, outbound.Reader, session.Token);
        // On-site tasks this session holds: their answers come from the work list, when officers record them.
        var held = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var poller = workList is null ? Task.CompletedTask : SendRecordedAnswersAsync(workList, held, outbound.Writer, session.Token);
        var welcomed = false;
        try
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync(session.Token))
            {
                switch (message.KindCase)
                {
                    case HubMessage.KindOneofCase.Welcome:
                        welcomed = true;
                        metrics.Connected(options.Department, up: true);
                        Welcomed.TrySetResult();
                        AgentLog.Connected(logger, AgentId, options.Department, message.Welcome.HubInstance, offered);
                        break;
                    case HubMessage.KindOneofCase.Task when workList is not null && options.Items.TryGetValue(message.Task.ItemCode, out var item) && item.OnSite:
                        _ = FileAsync(workList, message.Task, held, outbound.Writer, session.Token);
                        break;
                    case HubMessage.KindOneofCase.Task:
                        _ = AnswerAsync(message.Task, outbound.Writer, session.Token);
                        break;
                    case HubMessage.KindOneofCase.Reminder:
                        // Automatic checks answer at once; a reminder matters for the ones a person must finish.
                        AgentLog.Reminded(logger, AgentId, message.Reminder.RequestId, message.Reminder.ItemCode, message.Reminder.Deadline.ToDateTimeOffset());
                        break;
                }
            }
        }
        finally
        {
            outbound.Writer.TryComplete();
            await session.CancelAsync();
            try
            {
                await writer;
                await poller;
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException)
            {
                // The stream is gone; the hub gives unanswered tasks to another agent.
            }
        }

        return welcomed;
    }

    private async Task AnswerAsync(VerificationTask task, ChannelWriter<AgentMessage> outbound, CancellationToken cancellationToken)
    {
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = await checker.CheckAsync(task, cancellationToken);
            _outageBackoff = agentOptions.ReconnectMin;
            metrics.Checked(options.Department, task.ItemCode, result.Verdict, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            sealer?.Seal(result, task.ItemCode, task.Subject);
            outbound.TryWrite(new AgentMessage { Result = result });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stream closed mid-check; the hub re-routes the task.
        }
        catch (DbException e)
        {
            // The task goes back to the hub once (another agent may reach the database), and this
            // agent steps away until its database answers: no task comes back to it meanwhile.
            outbound.TryWrite(new AgentMessage { Release = new TaskRelease { RequestId = task.RequestId, Reason = "the department database could not answer: " + e.Message } });
            OutageBegins(e);
            // Ends this session once what it has to send (the releases) is sent.
            outbound.TryComplete();
        }
    }

    private void OutageBegins(DbException e)
    {
        lock (_outageLock)
        {
            if (_outageSince is not null)
            {
                return;
            }

            _outageSince = time.GetUtcNow();
        }

        // One warning per outage, without a stack trace: the message says what the database said.
        AgentLog.DatabaseDown(logger, AgentId, options.Department, e.Message);
    }

    /// <summary>
    /// Waits, with back-off, until the department's database answers; the first time, also checks
    /// every item's query and keeps the items whose query can run. False when the agent stops, or
    /// when no item is left to offer.
    /// </summary>
    private async Task<bool> WaitForDatabaseAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_outageSince is not null)
            {
                try
                {
                    await Task.Delay(_outageBackoff * (0.5 + Random.Shared.NextDouble() / 2), time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                _outageBackoff = TimeSpan.FromTicks(Math.Min(_outageBackoff.Ticks * 2, agentOptions.ReconnectMax.Ticks));
            }

            try
            {
                if (_items is null)
                {
                    _items = await UsableItemsAsync(cancellationToken);
                }
                else
                {
                    await checker.ProbeAsync(cancellationToken);
                }
            }
            catch (DbException e)
            {
                OutageBegins(e);
                continue;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            if (_outageSince is { } since)
            {
                var outage = time.GetUtcNow() - since;
                AgentLog.DatabaseBack(logger, AgentId, options.Department, outage);
                _outageSince = null;
            }

            if (_items.Count == 0)
            {
                AgentLog.NothingToOffer(logger, AgentId, options.Department);
                return false;
            }

            return true;
        }

        return false;
    }

    private async Task<IReadOnlyList<string>> UsableItemsAsync(CancellationToken cancellationToken)
    {
        var usable = new List<string>();
        foreach (var (code, item) in options.Items.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            if (await checker.QueryProblemAsync(item, cancellationToken) is { } problem)
            {
                AgentLog.ItemNotOffered(logger, AgentId, code, problem);
            }
            else
            {
                usable.Add(code);
            }
        }

        return usable;
    }

    private async Task FileAsync(OnSiteWorkList list, VerificationTask task, ConcurrentDictionary<string, bool> held, ChannelWriter<AgentMessage> outbound, CancellationToken cancellationToken)
    {
        try
        {
            await list.AddAsync(task, cancellationToken);
            held[task.RequestId] = true;
            AgentLog.FiledOnSite(logger, AgentId, task.RequestId, task.ItemCode, task.Deadline);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stream closed; the hub re-routes the task and it is filed on delivery again.
        }
        catch (DbException e)
        {
            AgentLog.CheckFailed(logger, AgentId, task.RequestId, e);
            outbound.TryWrite(new AgentMessage { Release = new TaskRelease { RequestId = task.RequestId, Reason = "the on-site work list could not take the task: " + e.Message } });
        }
    }

    // Officers record outcomes in the work list (possibly from another process); their answers go to the hub from here.
    private async Task SendRecordedAnswersAsync(OnSiteWorkList list, ConcurrentDictionary<string, bool> held, ChannelWriter<AgentMessage> outbound, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(agentOptions.WorkListPoll, time, cancellationToken);
                metrics.OnSiteWaiting(options.Department, await list.PendingCountAsync(cancellationToken));
                foreach (var (result, itemCode, subject) in await list.AnsweredUnsentAsync(cancellationToken))
                {
                    if (!held.TryRemove(result.RequestId, out _))
                    {
                        continue;
                    }

                    sealer?.Seal(result, itemCode, subject);
                    if (outbound.TryWrite(new AgentMessage { Result = result }))
                    {
                        await list.MarkSentAsync(result.RequestId, cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (DbException e)
            {
                AgentLog.WorkListFailed(logger, AgentId, e);
            }
        }
    }

    private static async Task WriteLoopAsync(IClientStreamWriter<AgentMessage> stream, ChannelReader<AgentMessage> outbound, CancellationToken cancellationToken)
    {
        await foreach (var message in outbound.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(message, cancellationToken);
        }

        // Everything is sent (an agent stepping away has sent its releases): the hub ends the session.
        await stream.CompleteAsync();
    }
}
