using NoCertHub.Hosting.Seals;
using NoCertHub.V1;

namespace NoCertHub.Sdk.Seals;

/// <summary>The <see cref="SealContent"/> of an answer, from the agent's side (task and result) or the window's (the result it got).</summary>
internal static class SealContents
{
    public static SealContent Of(TaskResult result, string itemCode, Subject subject, string department, string agent, DateTimeOffset sealedAt) => new()
    {
        RequestId = result.RequestId,
        ItemCode = itemCode,
        SubjectKind = (int)subject.Kind,
        SubjectId = subject.Id,
        Verdict = (int)result.Verdict,
        Fields = result.Fields.Select(f => (f.Field, (int)f.Verdict)),
        Disclosed = result.Disclosed,
        Note = result.Note,
        CheckedBy = result.CheckedBy,
        Department = department,
        Agent = agent,
        SealedAt = sealedAt,
    };

    public static SealContent Of(VerificationResult result) => new()
    {
        RequestId = result.RequestId,
        ItemCode = result.ItemCode,
        SubjectKind = (int)(result.Subject?.Kind ?? SubjectKind.Unspecified),
        SubjectId = result.Subject?.Id ?? "",
        Verdict = (int)result.Verdict,
        Fields = result.Fields.Select(f => (f.Field, (int)f.Verdict)),
        Disclosed = result.Disclosed,
        Note = result.Note,
        CheckedBy = result.CheckedBy,
        Department = result.AnsweringDepartment,
        Agent = result.AnsweringAgent,
        SealedAt = result.Seal.SealedAt.ToDateTimeOffset(),
    };
}
