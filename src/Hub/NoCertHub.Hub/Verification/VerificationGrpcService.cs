using System.Globalization;
using Grpc.Core;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Audit;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.V1;
using Microsoft.AspNetCore.Authorization;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Limits;

namespace NoCertHub.Hub.Verification;

/// <summary>The window-facing API.</summary>
[Authorize(Policy = AccessPolicies.Window)]
internal sealed class VerificationGrpcService(
    RequestIntake intake,
    Dispatcher dispatcher,
    IRequestStore store,
    ResultNotifier notifier,
    RedisKeys keys,
    ICallerIdentityResolver identity,
    IAuditLog audit,
    TimeProvider time,
    IOptions<HubOptions> hub,
    StreamQuota quota,
    IOptions<LimitOptions> limits,
    IHostApplicationLifetime lifetime) : VerificationService.VerificationServiceBase
{
    private const int WatchPage = 256;

    // A safety net for a lost pub/sub message: a watcher re-reads its window at least this often.
    private static readonly TimeSpan WatchPoll = TimeSpan.FromSeconds(5);

    // How long an unanswered Verify waits, after its call ended, for its request to reach the disk.
    private static readonly TimeSpan FlushPatience = TimeSpan.FromSeconds(5);

    public override async Task<Receipt> Submit(SubmitRequest request, ServerCallContext context)
    {
        var accepted = await intake.AcceptAsync(request.Request, context, receiptNow: true);
        if (accepted.Task is { } task)
        {
            dispatcher.Enqueue(task);
        }

        return accepted.Receipt;
    }

    public override async Task<VerificationResult> Verify(VerifyRequest request, ServerCallContext context)
    {
        var accepted = await intake.AcceptAsync(request.Request, context, receiptNow: false);
        // Wait before routing, so an answer cannot arrive unseen.
        var waiting = notifier.WaitForResult(accepted.RequestId);
        if (accepted.Task is { } task)
        {
            dispatcher.Enqueue(task);
        }
        else
        {
            // A retried client_request_id: the first call routed it; it may be answered already.
            var stored = await store.GetAsync(accepted.RequestId, context.CancellationToken);
            if (stored?.Result is { } done)
            {
                notifier.StopWaiting(accepted.RequestId);
                return done;
            }
        }

        // The caller's deadline, or the hub's own longest wait, whichever comes first.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        wait.CancelAfter(hub.Value.MaxVerifyWait);
        try
        {
            return await waiting.WaitAsync(wait.Token);
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
            notifier.StopWaiting(accepted.RequestId);
            // The request was recorded without waiting for the disk; before telling anyone it is
            // tracked, it is.
            try
            {
                await RecordedAsync(accepted.Task).WaitAsync(FlushPatience);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new RpcException(new Status(StatusCode.Unavailable,
                    $"No answer from {accepted.Receipt.OwningDepartment} in time, and request {accepted.RequestId} could not be confirmed on record ({e.Message}); submit it again"));
            }

            var ended = context.CancellationToken.IsCancellationRequested
                ? "before the call ended"
                : $"within the hub's longest Verify wait ({hub.Value.MaxVerifyWait:g}, Hub:MaxVerifyWait)";
            throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                $"No answer from {accepted.Receipt.OwningDepartment} {ended}; request {accepted.RequestId} stays tracked and its result will arrive on Watch and Get"));
        }
    }

    // The request on disk: its acceptance written first if it was held back (Hub:VerifyRecordAfter).
    private async Task RecordedAsync(RoutedTask? task)
    {
        if (task?.Pending is { } pending)
        {
            await pending.RecordAsync(store);
        }

        await store.FlushAsync(CancellationToken.None);
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchEvent> responseStream, ServerCallContext context)
    {
        var windowId = WatchedWindow(request);
        var cursor = ParseCursor(request.Cursor);
        var caller = identity.Resolve(context);
        await OwnWindowOnlyAsync(caller, request.Department, request.Window, "watch", context.CancellationToken);
        using var stream = quota.Open("watch-streams", CallerKey.ForStreams(caller, "window " + windowId), limits.Value.WatchStreamsPerCaller, "Limits:WatchStreamsPerCaller");
        using var watching = notifier.Watching(windowId);
        // Reading results is a lookup too (Art. 17): one record per subscription; the results it
        // sent are the window's history after the cursor.
        await audit.WriteAsync(ReadRecord(caller, request.Department, request.Window, $"watch from cursor {cursor}"), context.CancellationToken);
        // End the stream when the hub shuts down, so the window reconnects (to this hub or another) at once.
        using var streaming = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellation = streaming.Token;
        while (!cancellation.IsCancellationRequested)
        {
            var change = notifier.NextChange(windowId);
            var page = await store.ReadWindowAsync(windowId, cursor, WatchPage, cancellation);
            if (page.Truncated && cursor > 0)
            {
                throw new RpcException(new Status(StatusCode.OutOfRange,
                    $"cursor {cursor} is older than the window's retained history (first kept: {page.Entries[0].Sequence}); results in between were dropped — use Get for specific requests, or restart from cursor 0"));
            }

            foreach (var entry in page.Entries)
            {
                await responseStream.WriteAsync(new WatchEvent
                {
                    Cursor = entry.Sequence.ToString(CultureInfo.InvariantCulture),
                    Result = entry.Result,
                }, cancellation);
                cursor = entry.Sequence;
            }

            if (page.Entries.Count < WatchPage)
            {
                try
                {
                    await change.WaitAsync(WatchPoll, cancellation);
                }
                catch (TimeoutException)
                {
                    // Read again: covers a change announced by a message that never arrived.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public override async Task<RequestStatus> Get(GetRequest request, ServerCallContext context)
    {
        if (!keys.TryShardOfRequest(request.RequestId, out _))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"request_id '{TextFields.Quoted(request.RequestId)}' is not a request id issued by this hub (expected rNN- and 26 lower-case base-32 characters)"));
        }

        var stored = await store.GetAsync(request.RequestId, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"request {request.RequestId} is not on record (never accepted, or past its retention)"));
        var caller = identity.Resolve(context);
        await OwnWindowOnlyAsync(caller, stored.Request.Requester.Department, stored.Request.Requester.Window, $"read request {request.RequestId}", context.CancellationToken);
        var status = new RequestStatus { Receipt = stored.Receipt, State = stored.State };
        if (stored.Result is not null)
        {
            var r = stored.Request;
            await audit.WriteAsync(ReadRecord(caller, r.Requester.Department, r.Requester.Window, "get") with
            {
                RequestId = request.RequestId,
                ItemCode = stored.Receipt.ItemCode,
                SubjectKind = r.Subject.Kind.ToString(),
                SubjectId = r.Subject.Id,
                CaseNumber = r.CaseNumber,
                Purpose = r.Purpose,
                Verdict = stored.Result.Verdict.ToString(),
            }, context.CancellationToken);
            status.Result = stored.Result;
        }

        return status;
    }

    /// <summary>
    /// A window certificate reads its own window's results only; a declared caller (insecure
    /// loopback mode) reads as declared. An attempt to read another window's results is itself on
    /// the Article 17 trail (who tried, whose window), before it is refused.
    /// </summary>
    private async Task OwnWindowOnlyAsync(CallerIdentity? caller, string department, string window, string what, CancellationToken cancellationToken)
    {
        if (caller is null || (caller.Department == department && caller.Name == window))
        {
            return;
        }

        var reason = $"window {caller.Name} of {caller.Department} may not {what}: it belongs to window {window} of {department}";
        await audit.WriteAsync(new AuditRecord
        {
            RecordedAt = time.GetUtcNowMilliseconds(),
            Kind = AuditKind.Refused,
            RequesterDepartment = AuditRecord.Clip(caller.Department, 64),
            Window = AuditRecord.Clip(caller.Name, 64),
            Officer = AuditRecord.Clip(caller.Officer, 128),
            HubInstance = hub.Value.InstanceId,
            Reason = AuditRecord.Clip($"{StatusCode.PermissionDenied}: {reason}", 1024),
        }, cancellationToken);
        throw new RequestRefusedException(StatusCode.PermissionDenied, reason);
    }

    private AuditRecord ReadRecord(CallerIdentity? caller, string department, string window, string what) => new()
    {
        RecordedAt = time.GetUtcNowMilliseconds(),
        Kind = AuditKind.Read,
        RequesterDepartment = department,
        Window = window,
        Officer = caller?.Officer ?? "(declared, no certificate)",
        HubInstance = hub.Value.InstanceId,
        Reason = what,
    };

    private static string WatchedWindow(WatchRequest request)
    {
        // The same rules as a request's requester: a window name is an identifier, not a megabyte of text.
        TextFields.RequireIdentifier(request.Department, "department");
        TextFields.RequireIdentifier(request.Window, "window");
        return RedisKeys.WindowId(request.Department, request.Window);
    }

    private static long ParseCursor(string cursor)
    {
        if (cursor.Length == 0)
        {
            return 0;
        }

        return long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"cursor '{cursor}' is not a cursor from a WatchEvent"));
    }
}
