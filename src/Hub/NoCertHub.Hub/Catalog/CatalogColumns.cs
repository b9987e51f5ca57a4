namespace NoCertHub.Hub.Catalog;

/// <summary>The select lists both engines' dialects share: the catalog tables' columns under the store's row names.</summary>
internal static class CatalogColumns
{
    public const string Proposal = """
        id AS Id, code AS Code, version AS Version, state AS State, spec_json AS SpecJson, proposing_department AS ProposingDepartment,
        proposed_by AS ProposedBy, proposed_at_unix_ms AS ProposedAtUnixMs, reason AS Reason, decided_by AS DecidedBy,
        decided_at_unix_ms AS DecidedAtUnixMs, decision_note AS DecisionNote
        """;

    public const string Violation = """
        id AS Id, subject_kind AS SubjectKind, subject_id AS SubjectId, reason AS Reason, starts_on AS StartsOn, ends_on AS EndsOn,
        source AS Source, recorded_by AS RecordedBy, recorded_at_unix_ms AS RecordedAtUnixMs, lifted_on AS LiftedOn, lifted_by AS LiftedBy,
        lift_reason AS LiftReason
        """;
}
