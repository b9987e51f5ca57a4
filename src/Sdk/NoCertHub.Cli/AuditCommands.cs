using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using NoCertHub.V1;

namespace NoCertHub.Cli;

/// <summary>nocert audit: the Article 17 trail for the joint office — search (itself recorded), misuse findings, chain check.</summary>
internal static class AuditCommands
{
    public static Command Build()
    {
        var audit = new Command("audit", "The Article 17 trail: search, findings, verify");

        var subject = new Option<string?>("--subject") { Description = "The person's or organisation's ID (a citizen's \"who looked at my data\")" };
        var officer = new Option<string?>("--officer") { Description = "Lookups by this officer" };
        var department = new Option<string?>("--department") { Description = "Lookups by this requesting department" };
        var caseNumber = new Option<string?>("--case") { Description = "Lookups of this case" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "From (default: 30 days ago)" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "To (default: now)" };
        var purpose = new Option<string>("--purpose") { Description = "Why you search (required: a search is itself on the trail)", Required = true };
        var limit = new Option<int>("--limit") { Description = "At most this many records", DefaultValueFactory = _ => 100 };
        var search = new Command("search", "Search the trail (your search is recorded, with its purpose)") { subject, officer, department, caseNumber, from, to, purpose, limit };
        search.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var now = DateTimeOffset.UtcNow;
            var request = new AuditSearchRequest
            {
                SubjectId = parsed.GetValue(subject) ?? "",
                Officer = parsed.GetValue(officer) ?? "",
                Department = parsed.GetValue(department) ?? "",
                CaseNumber = parsed.GetValue(caseNumber) ?? "",
                From = Timestamp.FromDateTimeOffset(parsed.GetValue(from) ?? now.AddDays(-30)),
                To = Timestamp.FromDateTimeOffset(parsed.GetValue(to) ?? now),
                Purpose = parsed.GetValue(purpose)!,
                PageSize = parsed.GetValue(limit),
            };
            var response = await new AuditService.AuditServiceClient(channel).SearchAsync(request, call);
            output.Print(response, ["SEQ", "AT", "KIND", "REQUEST", "ITEM", "CASE", "BY", "VERDICT", "REASON"],
                response.Entries.Select(e => (IReadOnlyList<string>)[e.Seq.ToString(CultureInfo.InvariantCulture), Output.Time(e.RecordedAt), Output.Name(e.Kind, "").ToLowerInvariant(), e.RequestId, e.ItemCode,
                    e.CaseNumber, $"{e.Officer} ({e.RequesterDepartment})", e.Verdict, e.Reason]));
            return ExitCodes.Ok;
        }, ct));

        var all = new Option<bool>("--all") { Description = "Closed findings too" };
        var rule = new Option<string?>("--rule") { Description = "Only this rule" };
        var byOfficer = new Option<string?>("--officer") { Description = "Only this officer" };
        var findingsLimit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var findings = new Command("findings", "Misuse findings (open ones, or all with --all)") { all, rule, byOfficer, findingsLimit };
        findings.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var response = await new AuditService.AuditServiceClient(channel).ListFindingsAsync(new ListFindingsRequest
            {
                IncludeClosed = parsed.GetValue(all),
                Rule = parsed.GetValue(rule) ?? "",
                Officer = parsed.GetValue(byOfficer) ?? "",
                Limit = parsed.GetValue(findingsLimit),
            }, call);
            output.Print(response, ["ID", "RULE", "OFFICER", "DAY", "COUNT", "OPEN", "DETAIL"],
                response.Findings.Select(f => (IReadOnlyList<string>)[f.Id.ToString(CultureInfo.InvariantCulture), f.Rule, f.Officer, f.Day, f.Count.ToString(CultureInfo.InvariantCulture), f.Open ? "open" : "closed", f.Detail]));
            return ExitCodes.Ok;
        }, ct));

        var verify = new Command("verify", "Check the whole trail on the hub against its chain and signed checkpoints; exit 1 when not intact");
        verify.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var result = await new AuditService.AuditServiceClient(channel).VerifyChainAsync(new VerifyChainRequest(), call);
            output.Print(result, [("records", result.Records.ToString(CultureInfo.InvariantCulture)), ("checkpoints", result.Checkpoints.ToString(CultureInfo.InvariantCulture)),
                ("result", result.Intact ? "intact" : $"NOT INTACT: {result.Findings.Count} finding(s)"), .. result.Findings.Select(f => ("finding", f))]);
            return result.Intact ? ExitCodes.Ok : ExitCodes.Negative;
        }, ct));

        audit.Add(search);
        audit.Add(findings);
        audit.Add(verify);
        return audit;
    }
}
