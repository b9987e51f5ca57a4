using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.V1;
using Microsoft.AspNetCore.Authorization;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// Search of the Article 17 trail for the joint office, including the citizen's view (by
/// subject). A search is itself a lookup of personal data: it is recorded, with who searched and
/// why, before any result is returned.
/// </summary>
[Authorize(Policy = AccessPolicies.JointOffice)]
internal sealed class AuditGrpcService(
    AuditSearchIndex search,
    MisuseFindingStore findings,
    IAuditLog audit,
    OversightAccess access,
    TimeProvider time,
    IOptions<HubOptions> hub,
    IOptions<AuditOptions> options,
    AuditKeys keys,
    AuditChainStore chainStore,
    AuditChain chain) : AuditService.AuditServiceBase
{
    public override async Task<ChainVerification> VerifyChain(VerifyChainRequest request, ServerCallContext context)
    {
        using var publicKey = System.Security.Cryptography.ECDsa.Create();
        publicKey.ImportFromPem(keys.PublicKeyPem);
        var result = await new AuditVerifier(chainStore, chain).VerifyAsync(
            Path.GetFullPath(options.Value.CheckpointDirectory), Path.GetFullPath(options.Value.ArchiveDirectory), publicKey, context.CancellationToken);
        var response = new ChainVerification { Records = result.Records, Checkpoints = result.Checkpoints, Intact = result.Intact };
        response.Findings.Add(result.Findings);
        return response;
    }

    public override async Task<AuditSearchResponse> Search(AuditSearchRequest request, ServerCallContext context)
    {
        var (actor, actorDepartment) = access.Acting(context, request.OfficerDeclared);
        var query = Validate(request);

        await audit.WriteAsync(new AuditRecord
        {
            RecordedAt = time.GetUtcNowMilliseconds(),
            Kind = AuditKind.Searched,
            SubjectKind = string.IsNullOrEmpty(query.SubjectId) ? null : "Any",
            SubjectId = query.SubjectId,
            CaseNumber = query.CaseNumber,
            Purpose = request.Purpose.Trim(),
            RequesterDepartment = actorDepartment,
            Officer = actor,
            HubInstance = hub.Value.InstanceId,
            Reason = Describe(query),
        }, context.CancellationToken);

        var records = await search.SearchAsync(query, context.CancellationToken);
        var response = new AuditSearchResponse();
        response.Entries.Add(records.Select(ToEntry));
        if (records.Count == query.Max)
        {
            response.NextPageToken = records[^1].Seq.ToString(CultureInfo.InvariantCulture);
        }

        return response;
    }

    public override async Task<ListFindingsResponse> ListFindings(ListFindingsRequest request, ServerCallContext context)
    {
        var limit = PageLimit.Parse(request.Limit, "limit");
        var listed = await findings.ListAsync(
            request.IncludeClosed, NullIfEmpty(request.Rule), NullIfEmpty(request.Officer), limit, context.CancellationToken);
        var response = new ListFindingsResponse();
        response.Findings.Add(listed.Select(ToMessage));
        return response;
    }

    public override async Task<MisuseFinding> CloseFinding(CloseFindingRequest request, ServerCallContext context)
    {
        var (actor, _) = access.Acting(context, request.OfficerDeclared);
        var resolution = request.Resolution?.Trim() ?? "";
        if (resolution.Length is 0 or > 4000)
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "resolution is required (at most 4000 characters): what the joint office concluded");
        }

        if (request.Outcome is not (FindingOutcome.Upheld or FindingOutcome.NotUpheld))
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "outcome is required: upheld (the lookups were misuse) or not_upheld");
        }

        var upheld = request.Outcome == FindingOutcome.Upheld;
        var closed = await findings.CloseAsync(request.Id, upheld, resolution, actor, time.GetUtcNowMilliseconds(), context.CancellationToken);
        var finding = await findings.GetAsync(request.Id, context.CancellationToken)
            ?? throw new RequestRefusedException(StatusCode.NotFound, $"No misuse finding {request.Id}");
        if (!closed && (finding.Resolution != resolution || finding.Upheld != upheld))
        {
            throw new RequestRefusedException(StatusCode.FailedPrecondition, $"Finding {request.Id} was already closed by {finding.ClosedBy} with another resolution");
        }

        return ToMessage(finding);
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static MisuseFinding ToMessage(MisuseFindingRecord f)
    {
        var message = new MisuseFinding
        {
            Id = f.Id,
            Rule = f.Rule,
            Officer = f.Officer,
            Day = f.Day,
            SubjectId = f.SubjectId,
            Count = f.Count,
            Detail = f.Detail,
            FoundAt = Timestamp.FromDateTimeOffset(f.FoundAt),
            Open = f.Open,
            Resolution = f.Resolution ?? "",
            ClosedBy = f.ClosedBy ?? "",
            Outcome = f.Upheld switch { true => FindingOutcome.Upheld, false => FindingOutcome.NotUpheld, null => FindingOutcome.Unspecified },
        };
        if (f.ClosedAt is { } closedAt)
        {
            message.ClosedAt = Timestamp.FromDateTimeOffset(closedAt);
        }

        return message;
    }

    private static AuditQuery Validate(AuditSearchRequest r)
    {
        static string? Filter(string value, string field)
        {
            var trimmed = value.Trim();
            return trimmed.Length switch
            {
                0 => null,
                > 128 => throw new RequestRefusedException(StatusCode.InvalidArgument, $"{field} is longer than 128 characters"),
                _ => trimmed,
            };
        }

        var subject = Filter(r.SubjectId, "subject_id");
        var officer = Filter(r.Officer, "officer");
        var department = Filter(r.Department, "department");
        var caseNumber = Filter(r.CaseNumber, "case_number");
        if (subject is null && officer is null && department is null && caseNumber is null)
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "give at least one of subject_id, officer, department, case_number: a search of the whole trail is not purpose-bound");
        }

        if (string.IsNullOrWhiteSpace(r.Purpose) || r.Purpose.Length > 512)
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "purpose is required (at most 512 characters): why this search is made; it is recorded with the search");
        }

        var from = r.From?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch;
        var to = r.To?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue.AddDays(-1);
        if (to <= from)
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "to must be after from");
        }

        var size = PageLimit.Parse(r.PageSize, "page_size");
        var before = long.MaxValue;
        if (r.PageToken.Length > 0 && (!long.TryParse(r.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out before) || before < 1))
        {
            throw new RequestRefusedException(StatusCode.InvalidArgument, "page_token is not one this API returned");
        }

        return new AuditQuery(subject, officer, department, caseNumber, from, to, before, size);
    }

    private static string Describe(AuditQuery q) => string.Join("; ", new[]
    {
        q.Officer is null ? null : "officer=" + q.Officer,
        q.Department is null ? null : "department=" + q.Department,
        q.From == DateTimeOffset.UnixEpoch ? null : "from=" + q.From.ToString("O", CultureInfo.InvariantCulture),
        q.To >= DateTimeOffset.MaxValue.AddDays(-1) ? null : "to=" + q.To.ToString("O", CultureInfo.InvariantCulture),
        q.BeforeSeq == long.MaxValue ? null : "before=" + q.BeforeSeq.ToString(CultureInfo.InvariantCulture),
    }.OfType<string>().Prepend("audit search"));

    private static AuditEntry ToEntry(AuditRecord r)
    {
        var entry = new AuditEntry
        {
            Seq = r.Seq,
            RecordedAt = Timestamp.FromDateTimeOffset(r.RecordedAt),
            Kind = r.Kind switch
            {
                AuditKind.Refused => AuditEntryKind.Refused,
                AuditKind.Answered => AuditEntryKind.Answered,
                AuditKind.Late => AuditEntryKind.Late,
                AuditKind.Failed => AuditEntryKind.Failed,
                AuditKind.Searched => AuditEntryKind.Searched,
                AuditKind.Read => AuditEntryKind.Read,
                _ => AuditEntryKind.Unspecified,
            },
            RequestId = r.RequestId ?? "",
            ItemCode = r.ItemCode ?? "",
            SubjectKind = r.SubjectKind ?? "",
            SubjectId = r.SubjectId ?? "",
            CaseNumber = r.CaseNumber ?? "",
            Purpose = r.Purpose ?? "",
            RequesterDepartment = r.RequesterDepartment ?? "",
            Window = r.Window ?? "",
            Officer = r.Officer ?? "",
            Verdict = r.Verdict ?? "",
            AnsweringDepartment = r.AnsweringDepartment ?? "",
            AnsweringAgent = r.AnsweringAgent ?? "",
            HubInstance = r.HubInstance,
            Reason = r.Reason ?? "",
            SubjectRole = r.SubjectRole ?? "",
            Seal = r.Seal ?? "",
        };
        entry.DisclosedFields.Add((r.DisclosedFields ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries));
        return entry;
    }
}
