namespace NoCertHub.Hub.Complaints;

/// <summary>The columns both engines' dialects select, under <see cref="ComplaintStore"/>'s row names.</summary>
internal static class ComplaintColumns
{
    public const string Select = """
        id AS Id, channel AS Channel, kind AS Kind, department AS Department, complainant_key AS ComplainantKey, contact AS Contact,
        complaint_text AS Text, case_number AS CaseNumber, request_id AS RequestId, escalation_request_id AS EscalationRequestId,
        misuse_finding_id AS MisuseFindingId, received_at_unix_ms AS ReceivedAtUnixMs, received_by AS ReceivedBy,
        received_through AS ReceivedThrough, due_at_unix_ms AS DueAtUnixMs, state AS State, assigned_to AS AssignedTo,
        assigned_by AS AssignedBy, assigned_at_unix_ms AS AssignedAtUnixMs, finding AS Finding, action_taken AS ActionTaken,
        resolved_by AS ResolvedBy, resolved_at_unix_ms AS ResolvedAtUnixMs
        """;

    public const string Insert = """
        (channel, kind, department, complainant_key, contact, complaint_text, case_number, request_id, escalation_request_id, misuse_finding_id,
         received_at_unix_ms, received_by, received_through, due_at_unix_ms, state)
        """;

    public const string InsertValues = """
        (@Channel, @Kind, @Department, @ComplainantKey, @Contact, @Text, @CaseNumber, @RequestId, @EscalationRequestId, @MisuseFindingId,
         @ReceivedAtUnixMs, @ReceivedBy, @ReceivedThrough, @DueAtUnixMs, 'received')
        """;

    public const string Filter = """
        (@State IS NULL OR state = @State)
        AND (@Department IS NULL OR department = @Department)
        AND (@ComplainantKey IS NULL OR complainant_key = @ComplainantKey)
        AND (@OverdueAtMs IS NULL OR (state <> 'resolved' AND due_at_unix_ms < @OverdueAtMs))
        """;
}
