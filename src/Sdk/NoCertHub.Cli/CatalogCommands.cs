using System.CommandLine;
using Google.Protobuf;
using NoCertHub.V1;

namespace NoCertHub.Cli;

/// <summary>
/// nocert catalog: the certificate catalog (Art. 6–7). Anyone certified lists and shows it; a
/// department proposes an item (or a change) for itself; the joint office decides and repeals.
/// </summary>
internal static class CatalogCommands
{
    public static Command Build()
    {
        var catalog = new Command("catalog", "The certificate catalog: list, show, proposals, propose, decide, repeal");

        var on = new Option<string?>("--on") { Description = "The catalog in force on this date (yyyy-MM-dd); default today" };
        var list = new Command("list", "Items in force") { on };
        list.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var response = await new CatalogService.CatalogServiceClient(channel).ListItemsAsync(new ListItemsRequest { On = parsed.GetValue(on) ?? "" }, call);
            output.Print(response, ["CODE", "NAME", "OWNER", "SLA", "REPLACED BY", "FIELDS"],
                response.Items.Select(i => (IReadOnlyList<string>)[i.Code, i.Name, i.OwningDepartment, Sla(i.SlaClass), Method(i.ReplacementMethod), string.Join(",", i.Fields)]));
            return ExitCodes.Ok;
        }, ct));

        var code = new Argument<string>("code") { Description = "The item's code, e.g. JJ-MZ-001" };
        var show = new Command("show", "One item: the version in force and every proposal for it") { code };
        show.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var history = await new CatalogService.CatalogServiceClient(channel).GetItemAsync(new GetItemRequest { Code = parsed.GetValue(code)! }, call);
            var item = history.InForce;
            var fields = new List<(string, string)>();
            if (item is not null)
            {
                fields.AddRange([("code", item.Code), ("name", item.Name), ("legal basis", item.LegalBasis), ("owner", item.OwningDepartment),
                    ("sla", Sla(item.SlaClass)), ("replaced by", Method(item.ReplacementMethod)), ("fields", string.Join(", ", item.Fields)),
                    ("disclosable", string.Join(", ", item.DisclosableFields)), ("requesters", item.Requesters.Count == 0 ? "(any)" : string.Join(", ", item.Requesters)),
                    ("in force", $"{item.EffectiveFrom} .. {(item.EffectiveUntil is "" ? "" : item.EffectiveUntil)}")]);
            }
            else
            {
                fields.Add(("in force", "(not in force)"));
            }

            fields.AddRange(history.Proposals.Select(p => ($"proposal {p.Id}", Describe(p))));
            output.Print(history, fields);
            return ExitCodes.Ok;
        }, ct));

        var all = new Option<bool>("--all") { Description = "Decided proposals too, not only pending ones" };
        var forCode = new Option<string?>("--code") { Description = "Only proposals for this item" };
        var proposals = new Command("proposals", "Proposals waiting for the joint office (or all, with --all)") { all, forCode };
        proposals.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var response = await new CatalogService.CatalogServiceClient(channel).ListProposalsAsync(
                new ListProposalsRequest { IncludeDecided = parsed.GetValue(all), Code = parsed.GetValue(forCode) ?? "" }, call);
            output.Print(response, ["ID", "CODE", "VERSION", "STATE", "BY", "AT", "REASON"],
                response.Proposals.Select(p => (IReadOnlyList<string>)[p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Spec.Code, p.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    State(p.State), $"{p.ProposedBy} ({p.ProposingDepartment})", Output.Time(p.ProposedAt), p.Reason]));
            return ExitCodes.Ok;
        }, ct));

        var file = new Option<FileInfo>("--file") { Description = "The item as JSON (a CatalogItemSpec: code, name, legalBasis, replacementMethod, owningDepartment, slaClass, fields, …; docs/agents.md has an example)", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why the item is added or changed", Required = true };
        var propose = new Command("propose", "Propose a new item, or a change to one, for your department (the joint office decides)") { file, reason };
        propose.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var spec = JsonParser.Default.Parse<CatalogItemSpec>(await File.ReadAllTextAsync(parsed.GetValue(file)!.FullName, ct));
            var proposal = await new CatalogService.CatalogServiceClient(channel).ProposeAsync(new ProposeRequest { Spec = spec, Reason = parsed.GetValue(reason)! }, call);
            output.Print(proposal, [("proposal", proposal.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("code", proposal.Spec.Code), ("version", proposal.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("state", State(proposal.State))]);
            return ExitCodes.Ok;
        }, ct));

        var id = new Argument<long>("proposal") { Description = "The proposal's id (nocert catalog proposals)" };
        var approve = new Option<bool>("--approve") { Description = "Approve: the item is in force from its effective date" };
        var reject = new Option<bool>("--reject") { Description = "Reject" };
        var note = new Option<string>("--note") { Description = "The decision's note (required)", Required = true };
        var decide = new Command("decide", "The joint office approves or rejects a proposal") { id, approve, reject, note };
        decide.Validators.Add(result =>
        {
            if (result.GetValue(approve) == result.GetValue(reject))
            {
                result.AddError("Say --approve or --reject (one of them).");
            }
        });
        decide.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var proposal = await new CatalogService.CatalogServiceClient(channel).DecideAsync(
                new DecideRequest { ProposalId = parsed.GetValue(id), Approve = parsed.GetValue(approve), Note = parsed.GetValue(note)! }, call);
            output.Print(proposal, [("proposal", proposal.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("code", proposal.Spec.Code), ("state", State(proposal.State)), ("decided by", proposal.DecidedBy)]);
            return ExitCodes.Ok;
        }, ct));

        var repealOn = new Option<string>("--on") { Description = "The date the item stops being in force (yyyy-MM-dd)", Required = true };
        var act = new Option<string>("--act") { Description = "The act that repeals it (Art. 21)", Required = true };
        var repealCode = new Argument<string>("code") { Description = "The item's code" };
        var repeal = new Command("repeal", "The joint office repeals an item from a date (Art. 21)") { repealCode, repealOn, act };
        repeal.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var proposal = await new CatalogService.CatalogServiceClient(channel).RepealAsync(
                new RepealRequest { Code = parsed.GetValue(repealCode)!, RepealedOn = parsed.GetValue(repealOn)!, RepealingAct = parsed.GetValue(act)! }, call);
            output.Print(proposal, [("code", proposal.Spec.Code), ("in force until", proposal.Spec.EffectiveUntil), ("state", State(proposal.State))]);
            return ExitCodes.Ok;
        }, ct));

        catalog.Add(list);
        catalog.Add(show);
        catalog.Add(proposals);
        catalog.Add(propose);
        catalog.Add(decide);
        catalog.Add(repeal);
        return catalog;
    }

    private static string Sla(SlaClass sla) => Output.Name(sla, "").ToLowerInvariant();

    // InterDepartmentCheck → "inter department check"
    private static string Method(ReplacementMethod method) =>
        System.Text.RegularExpressions.Regex.Replace(method.ToString(), "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant();

    private static string State(ProposalState state) => state.ToString().ToLowerInvariant();

    private static string Describe(CatalogProposal p) =>
        $"v{p.Version} {State(p.State)}, by {p.ProposedBy} ({p.ProposingDepartment}) {Output.Time(p.ProposedAt)}: {p.Reason}"
        + (p.State is ProposalState.Approved or ProposalState.Rejected ? $"; decided by {p.DecidedBy} {Output.Time(p.DecidedAt)}: {p.DecisionNote}" : "");
}
