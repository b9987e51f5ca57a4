namespace NoCertHub.Hub.Audit;

/// <summary>
/// One answer's facts for the department evaluation (Art. 18-19): who asked, who answered, the SLA
/// class, when it was received, due and answered. No subject, no case: nothing personal, so the
/// facts outlive the audit trail's retention and a past period's report can be made again.
/// </summary>
internal sealed record AnswerFactRow
{
    public string RequestId { get; init; } = "";
    public string RequesterDepartment { get; init; } = "";
    public string AnsweringDepartment { get; init; } = "";
    public string ItemCode { get; init; } = "";
    public int SlaClass { get; init; }
    public long ReceivedAtUnixMs { get; init; }
    public long DueAtUnixMs { get; init; }
    public long AnsweredAtUnixMs { get; init; }
    public bool Late { get; init; }
    public string Verdict { get; init; } = "";
}

/// <summary>The answer_facts table's parameters, in the dialects' insert order.</summary>
internal static class AnswerFacts
{
    public static readonly IReadOnlyList<string> Parameters =
        ["RequestId", "RequesterDepartment", "AnsweringDepartment", "ItemCode", "SlaClass", "ReceivedAtUnixMs", "DueAtUnixMs", "AnsweredAtUnixMs", "Late", "Verdict"];

    /// <summary>The select list both dialects use, under <see cref="AnswerFactRow"/>'s names.</summary>
    public const string SelectList = """
        request_id AS RequestId, requester_department AS RequesterDepartment, answering_department AS AnsweringDepartment, item_code AS ItemCode,
        sla_class AS SlaClass, received_at_unix_ms AS ReceivedAtUnixMs, due_at_unix_ms AS DueAtUnixMs, answered_at_unix_ms AS AnsweredAtUnixMs,
        late AS Late, verdict AS Verdict
        """;

    public const string InsertColumns =
        "request_id, requester_department, answering_department, item_code, sla_class, received_at_unix_ms, due_at_unix_ms, answered_at_unix_ms, late, verdict";

    public const string InsertValues =
        "@RequestId, @RequesterDepartment, @AnsweringDepartment, @ItemCode, @SlaClass, @ReceivedAtUnixMs, @DueAtUnixMs, @AnsweredAtUnixMs, @Late, @Verdict";

    public static object?[] Values(AuditRecord record, AnswerTiming timing) =>
    [
        record.RequestId, record.RequesterDepartment ?? "", record.AnsweringDepartment ?? "", record.ItemCode ?? "", timing.SlaClass,
        timing.ReceivedAt.ToUnixTimeMilliseconds(), timing.DueAt.ToUnixTimeMilliseconds(), record.RecordedAt.ToUnixTimeMilliseconds(),
        record.Late ? 1 : 0, record.Verdict ?? "",
    ];
}
