using Google.Protobuf.WellKnownTypes;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>The catalog's records as the API's messages.</summary>
internal static class CatalogMessages
{
    public static CatalogProposal ToMessage(ProposalRecord p)
    {
        var message = new CatalogProposal
        {
            Id = p.Id,
            Spec = p.Spec,
            State = p.State,
            Version = p.Version ?? 0,
            ProposingDepartment = p.ProposingDepartment,
            ProposedBy = p.ProposedBy,
            ProposedAt = Timestamp.FromDateTimeOffset(p.ProposedAt),
            Reason = p.Reason,
            DecidedBy = p.DecidedBy ?? "",
            DecisionNote = p.DecisionNote ?? "",
        };
        if (p.DecidedAt is { } at)
        {
            message.DecidedAt = Timestamp.FromDateTimeOffset(at);
        }

        return message;
    }

    public static Violation ToMessage(ViolationRecord v) => new()
    {
        Id = v.Id,
        Subject = new Subject { Kind = System.Enum.Parse<SubjectKind>(v.SubjectKind), Id = v.SubjectId },
        Reason = v.Reason,
        StartsOn = CatalogRules.FormatDay(v.StartsOn),
        EndsOn = v.EndsOn is { } e ? CatalogRules.FormatDay(e) : "",
        Source = v.Source,
        RecordedBy = v.RecordedBy,
        RecordedAt = Timestamp.FromDateTimeOffset(v.RecordedAt),
        LiftedOn = v.LiftedOn is { } l ? CatalogRules.FormatDay(l) : "",
        LiftedBy = v.LiftedBy ?? "",
        LiftReason = v.LiftReason ?? "",
    };

    public static LedgerEntry ToMessage(LedgerRecord e) => new()
    {
        Id = e.Id,
        Kind = e.Kind,
        Department = e.Department,
        CaseNumber = e.CaseNumber,
        RequestId = e.RequestId ?? "",
        ItemCode = e.ItemCode ?? "",
        Subject = e.SubjectId is null ? null : new Subject { Kind = System.Enum.Parse<SubjectKind>(e.SubjectKind!), Id = e.SubjectId },
        Material = e.Material,
        Note = e.Note ?? "",
        RecordedBy = e.RecordedBy,
        RecordedAt = Timestamp.FromDateTimeOffset(e.RecordedAt),
    };
}
