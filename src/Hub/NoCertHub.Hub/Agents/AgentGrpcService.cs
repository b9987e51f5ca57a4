using Grpc.Core;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Verification;
using NoCertHub.V1;
using Microsoft.AspNetCore.Authorization;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Limits;

namespace NoCertHub.Hub.Agents;

/// <summary>
/// The department-facing API: one long-lived stream per agent, one reader loop (this method)
/// and one writer loop draining the session's outbound queue. Anything the agent gets wrong ends
/// its stream with a status saying what; its unanswered tasks go back to the queue.
/// </summary>
[Authorize(Policy = AccessPolicies.Agent)]
internal sealed class AgentGrpcService(
    ICatalog catalog,
    Dispatcher dispatcher,
    ResultRecorder recorder,
    ICallerIdentityResolver identity,
    AgentStreams streams,
    StreamQuota quota,
    IOptions<LimitOptions> limits,
    IOptions<HubOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<AgentGrpcService> logger) : AgentService.AgentServiceBase
{
    private readonly HubOptions _options = options.Value;

    public override async Task Connect(IAsyncStreamReader<AgentMessage> requestStream, IServerStreamWriter<HubMessage> responseStream, ServerCallContext context)
    {
        // End the stream when the hub shuts down, so the agent reconnects at once instead of holding tasks.
        using var streaming = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellation = streaming.Token;
        var hello = await ReadHelloAsync(requestStream, cancellation);
        var caller = identity.Resolve(context);
        var agentId = CertifiedAgent(caller, hello);
        using var stream = quota.Open("agent-streams", CallerKey.ForStreams(caller, $"agent {hello.Department}/{agentId}"), limits.Value.AgentStreamsPerCaller, "Limits:AgentStreamsPerCaller");
        // With certificates, answers must be sealed under the very certificate this stream presented.
        using var seals = new AnswerSeals(caller is null ? null : context.GetHttpContext().Connection.ClientCertificate, _options.SealClockSkew);
        var session = new AgentSession(agentId, hello.Department, hello.ItemCodes.Distinct(StringComparer.Ordinal).ToList(), hello.Capacity);
        if (streams.Open(session.Department, session.AgentId, streaming))
        {
            AgentLog.Replaced(logger, session.AgentId, session.Department);
        }

        var welcome = new AgentWelcome { HubInstance = _options.InstanceId };
        welcome.AcceptedItemCodes.Add(session.ItemCodes);
        await responseStream.WriteAsync(new HubMessage { Welcome = welcome }, cancellation);

        var writer = WriteLoopAsync(session, responseStream, cancellation);
        dispatcher.Register(session);
        var items = string.Join(',', session.ItemCodes);
        AgentLog.Connected(logger, session.AgentId, session.Department, session.Capacity, items);
        try
        {
            while (await requestStream.MoveNext(cancellation))
            {
                var message = requestStream.Current;
                switch (message.KindCase)
                {
                    case AgentMessage.KindOneofCase.Result:
                        OnResult(session, seals, message.Result);
                        break;
                    case AgentMessage.KindOneofCase.Release:
                        OnRelease(session, message.Release);
                        break;
                    default:
                        throw Violation(session, "expected a result or a release; hello is sent once, first");
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The agent went away; its tasks are requeued below.
        }
        catch (IOException) when (cancellation.IsCancellationRequested)
        {
            // Likewise: the connection broke mid-read.
        }
        finally
        {
            streams.Close(session.Department, session.AgentId, streaming);
            var orphans = dispatcher.Unregister(session);
            session.Outbound.Writer.TryComplete();
            AgentLog.Disconnected(logger, session.AgentId, session.Department, orphans.Count);
            try
            {
                await writer;
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The stream is gone; nothing left to tell the agent.
            }
        }
    }

    private void OnResult(AgentSession session, AnswerSeals seals, TaskResult answer)
    {
        // Check before taking the task off the agent: a malformed answer must not free a slot
        // (and draw a new task) on a stream that is about to be closed.
        var held = dispatcher.Find(session, answer.RequestId)
            ?? throw Violation(session, $"result for request '{answer.RequestId}', which is not assigned to this agent");
        var problem = Check(answer, held) ?? seals.Problem(answer, held, session, time.GetUtcNow());
        if (problem is not null)
        {
            throw Violation(session, $"result for request '{answer.RequestId}' is malformed: {problem}");
        }

        var task = dispatcher.Complete(session, answer.RequestId)!;
        // Recording runs off the read loop so one slow commit does not stall this agent's stream.
        _ = recorder.RecordAsync(task, answer, session);
    }

    private void OnRelease(AgentSession session, TaskRelease release)
    {
        var task = dispatcher.Complete(session, release.RequestId)
            ?? throw Violation(session, $"release of request '{release.RequestId}', which is not assigned to this agent");
        AgentLog.Released(logger, session.AgentId, release.RequestId, release.Reason);
        _ = recorder.RecordFailureAsync(task, session, string.IsNullOrWhiteSpace(release.Reason) ? "released without a reason" : release.Reason);
    }

    private string? Check(TaskResult answer, RoutedTask task)
    {
        if (answer.Verdict is Verdict.Unspecified || !Enum.IsDefined(answer.Verdict))
        {
            return "verdict is missing or unknown";
        }

        var item = catalog.Find(task.ItemCode);
        if (item?.ReplacementMethod == ReplacementMethod.OnSiteCheck && answer.Verdict != Verdict.Refused && string.IsNullOrWhiteSpace(answer.CheckedBy))
        {
            return $"item {task.ItemCode} is checked on site: the answer must name the officer who made the check (checked_by, Art. 13)";
        }

        foreach (var field in answer.Fields)
        {
            if (item is not null && !item.Fields.Contains(field.Field))
            {
                return $"field '{field.Field}' is not a field of item {task.ItemCode}";
            }

            if (field.Verdict is FieldVerdictKind.Unspecified || !Enum.IsDefined(field.Verdict))
            {
                return $"field '{field.Field}' has no verdict";
            }
        }

        // Only what the catalog lets the requester see may travel back (Art. 17: least disclosure).
        var disclosable = task.Task.DisclosableFields;
        var undisclosable = answer.Disclosed.Keys.FirstOrDefault(k => !disclosable.Contains(k));
        return undisclosable is null ? null : $"field '{undisclosable}' may not be disclosed to the requester";
    }

    /// <summary>
    /// The agent id the certificate proves, for the department it was issued to: an agent
    /// certificate of one department cannot register for another's items, nor under another id.
    /// A declared agent (insecure loopback mode) is taken at its word.
    /// </summary>
    private static string CertifiedAgent(CallerIdentity? caller, AgentHello hello)
    {
        if (caller is null)
        {
            return hello.AgentId;
        }

        if (caller.Department != hello.Department)
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied,
                $"agent {caller.Name}'s certificate is for {caller.Department}; it may not register as {hello.Department}'s agent");
        }

        if (hello.AgentId != caller.Name)
        {
            throw new RequestRefusedException(StatusCode.PermissionDenied,
                $"hello.agent_id '{hello.AgentId}' is not the agent '{caller.Name}' the certificate was issued to");
        }

        return caller.Name;
    }

    private async Task<AgentHello> ReadHelloAsync(IAsyncStreamReader<AgentMessage> requestStream, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(_options.AgentHelloTimeout);
        bool any;
        try
        {
            any = await requestStream.MoveNext(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new RequestRefusedException(StatusCode.DeadlineExceeded, $"no hello within {_options.AgentHelloTimeout}");
        }

        if (!any || requestStream.Current.KindCase != AgentMessage.KindOneofCase.Hello)
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "the first message on an agent stream must be a hello");
        }

        var hello = requestStream.Current.Hello;
        if (string.IsNullOrWhiteSpace(hello.AgentId) || string.IsNullOrWhiteSpace(hello.Department))
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "hello needs agent_id and department");
        }

        TextFields.RequireIdentifier(hello.AgentId, "hello.agent_id");
        TextFields.RequireIdentifier(hello.Department, "hello.department");

        if (hello.Capacity < 1 || hello.Capacity > _options.MaxAgentCapacity)
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, $"hello.capacity must be between 1 and {_options.MaxAgentCapacity}");
        }

        if (hello.ItemCodes.Count == 0)
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "hello.item_codes is empty: an agent must answer at least one item");
        }

        foreach (var code in hello.ItemCodes)
        {
            var item = catalog.Find(code)
                ?? throw new RequestRefusedException(StatusCode.NotFound, $"hello names item '{TextFields.Quoted(code)}', which is not in the catalog");
            if (item.OwningDepartment != hello.Department)
            {
                throw new RequestRefusedException(StatusCode.PermissionDenied,
                    $"item '{code}' belongs to department '{item.OwningDepartment}', not '{hello.Department}'");
            }
        }

        return hello;
    }

    private static async Task WriteLoopAsync(AgentSession session, IServerStreamWriter<HubMessage> responseStream, CancellationToken cancellation)
    {
        await foreach (var message in session.Outbound.Reader.ReadAllAsync(cancellation))
        {
            await responseStream.WriteAsync(message, cancellation);
        }
    }

    private RpcException Violation(AgentSession session, string message)
    {
        AgentLog.ProtocolViolation(logger, session.AgentId, message);
        return new RpcException(new Status(StatusCode.InvalidArgument, message));
    }
}
