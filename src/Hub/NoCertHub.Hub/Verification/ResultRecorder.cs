using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.V1;

namespace NoCertHub.Hub.Verification;

/// <summary>
/// Turns an agent's answer into a released result: audit record first (durable), then the
/// request store (exactly once), then the window is told. If any step fails the task is routed
/// again, so an accepted request is never dropped.
/// </summary>
internal sealed class ResultRecorder(
    IAuditLog audit,
    AuditChain chain,
    IRequestStore store,
    ResultNotifier notifier,
    VerificationMetrics metrics,
    Dispatcher dispatcher,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<ResultRecorder> logger)
{
    private readonly HubOptions _options = options.Value;

    public async Task RecordAsync(RoutedTask task, TaskResult answer, AgentSession agent)
    {
        using var scope = VerificationLog.RequestScope(logger, task.RequestId);
        var answeredAt = time.GetUtcNowMilliseconds();
        var deadline = task.Receipt.Deadline.ToDateTimeOffset();
        var result = new VerificationResult
        {
            RequestId = task.RequestId,
            ItemCode = task.ItemCode,
            CaseNumber = task.Task.CaseNumber,
            Verdict = answer.Verdict,
            AnsweringDepartment = agent.Department,
            AnsweringAgent = agent.AgentId,
            AcceptedAt = task.Receipt.AcceptedAt,
            AnsweredAt = Timestamp.FromDateTimeOffset(answeredAt),
            Deadline = task.Receipt.Deadline,
            Late = answeredAt > deadline,
            Note = answer.Note,
            CheckedBy = answer.CheckedBy,
            Subject = new Subject { Kind = task.Task.Subject.Kind, Id = task.Task.Subject.Id },
            Seal = answer.Seal,
        };
        result.Fields.Add(answer.Fields);
        result.Disclosed.Add(answer.Disclosed);

        try
        {
            await audit.WriteAsync(AnswerRecord(task, result), CancellationToken.None);
            // A Verify whose acceptance is not written yet is recorded with its answer, in one write.
            var pending = task.Pending;
            pending?.Answer();
            var outcome = await store.CompleteAsync(task.WindowId, result, pending?.Request, CancellationToken.None);
            switch (outcome.Kind)
            {
                case CompletionKind.Completed:
                    notifier.Published(task.WindowId, result);
                    metrics.Answered(task, result);
                    VerificationLog.Answered(logger, task.RequestId, agent.AgentId, result.Verdict, result.Late);
                    break;
                case CompletionKind.AlreadyCompleted:
                    VerificationLog.AlreadyAnswered(logger, task.RequestId, agent.AgentId);
                    break;
                default:
                    VerificationLog.AnswerForUnknownRequest(logger, task.RequestId, agent.AgentId);
                    break;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            VerificationLog.RecordFailed(logger, task.RequestId, _options.RetryDelay, e);
            dispatcher.RequeueLater(task, _options.RetryDelay);
        }
    }

    /// <summary>
    /// The agent could not answer now: on record as a failed attempt, then routed again after
    /// the retry delay — even if the audit store is down, the request is not dropped.
    /// </summary>
    public async Task RecordFailureAsync(RoutedTask task, AgentSession agent, string reason)
    {
        using var scope = VerificationLog.RequestScope(logger, task.RequestId);
        try
        {
            var record = LookupRecord(task, AuditKind.Failed, time.GetUtcNowMilliseconds()) with
            {
                AnsweringDepartment = agent.Department,
                AnsweringAgent = agent.AgentId,
                Reason = reason.Length <= 1024 ? reason : reason[..1023] + "…",
            };
            await audit.WriteAsync(record, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever kept the attempt off the record, the request itself is routed again below.
            VerificationLog.RecordFailed(logger, task.RequestId, _options.RetryDelay, e);
        }
        finally
        {
            dispatcher.RequeueLater(task, _options.RetryDelay);
        }
    }

    private AuditRecord AnswerRecord(RoutedTask task, VerificationResult result) => LookupRecord(task, result.Late ? AuditKind.Late : AuditKind.Answered, result.AnsweredAt.ToDateTimeOffset()) with
    {
        Verdict = result.Verdict.ToString(),
        DisclosedFields = result.Disclosed.Count == 0 ? null : string.Join(',', result.Disclosed.Keys.Order(StringComparer.Ordinal)),
        AnsweringDepartment = result.AnsweringDepartment,
        AnsweringAgent = string.IsNullOrEmpty(result.CheckedBy) ? result.AnsweringAgent : $"{result.AnsweringAgent}; checked on site by {result.CheckedBy}",
        Late = result.Late,
        Seal = AuditRecord.SealText(result.Seal),
        Timing = task.Receipt is { AcceptedAt: { } accepted, Deadline: { } deadline }
            ? new AnswerTiming((int)task.Receipt.SlaClass, accepted.ToDateTimeOffset(), deadline.ToDateTimeOffset())
            : null,
    };

    private AuditRecord LookupRecord(RoutedTask task, AuditKind kind, DateTimeOffset at) => new()
    {
        RecordedAt = at,
        Kind = kind,
        RequestId = task.RequestId,
        ItemCode = task.ItemCode,
        SubjectKind = task.Task.Subject.Kind.ToString(),
        SubjectId = task.Task.Subject.Id,
        CaseNumber = task.Task.CaseNumber,
        Purpose = task.Task.Purpose,
        RequesterDepartment = task.Task.Requester.Department,
        Window = task.Task.Requester.Window,
        Officer = task.Officer,
        HubInstance = _options.InstanceId,
        ApplicantDigest = chain.SubjectDigest(task.Applicant.Kind.ToString(), task.Applicant.Id),
        SubjectRole = task.SubjectRole,
    };
}
