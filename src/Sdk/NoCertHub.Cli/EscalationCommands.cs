using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using NoCertHub.V1;

namespace NoCertHub.Cli;

/// <summary>nocert escalations: overdue checks the joint office follows up (Art. 11 para 3); joint-office certificate.</summary>
internal static class EscalationCommands
{
    public static Command Build()
    {
        var escalations = new Command("escalations", "Overdue checks escalated to the joint office: list, close");

        var department = new Option<string?>("--department") { Description = "Only this department at fault" };
        var minOverdue = new Option<TimeSpan?>("--min-overdue") { Description = "Only those overdue by at least this long (e.g. 02:00:00)" };
        var all = new Option<bool>("--all") { Description = "Closed ones too" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "Open escalations (or all, with --all), most overdue first") { department, minOverdue, all, limit };
        list.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var request = new ListEscalationsRequest { Department = parsed.GetValue(department) ?? "", IncludeClosed = parsed.GetValue(all), Limit = parsed.GetValue(limit) };
            if (parsed.GetValue(minOverdue) is { } min)
            {
                request.MinOverdue = Duration.FromTimeSpan(min);
            }

            var response = await new OversightService.OversightServiceClient(channel).ListEscalationsAsync(request, call);
            output.Print(response, ["REQUEST", "ITEM", "AT FAULT", "ASKED BY", "CASE", "DEADLINE", "OVERDUE BY", "STATE"],
                response.Escalations.Select(e => (IReadOnlyList<string>)[e.RequestId, e.ItemCode, e.DepartmentAtFault, $"{e.RequesterDepartment}/{e.RequesterWindow}", e.CaseNumber,
                    Output.Time(e.Deadline), Output.Span(e.OverdueBy), e.State.ToString().ToLowerInvariant() + (e.AnsweredAt is null ? "" : ", answered")]));
            if (!output.Json)
            {
                Console.Out.WriteLine($"{response.Escalations.Count} shown of {response.Total}");
            }

            return ExitCodes.Ok;
        }, ct));

        var requestId = new Argument<string>("request") { Description = "The escalated request's id" };
        var finding = new Option<string>("--finding") { Description = "What the joint office found and did (required)", Required = true };
        var close = new Command("close", "Close an escalation with the joint office's finding") { requestId, finding };
        close.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var closed = await new OversightService.OversightServiceClient(channel).CloseEscalationAsync(
                new CloseEscalationRequest { RequestId = parsed.GetValue(requestId)!, Finding = parsed.GetValue(finding)! }, call);
            output.Print(closed, [("request", closed.RequestId), ("state", closed.State.ToString().ToLowerInvariant()), ("closed by", closed.ClosedBy), ("finding", closed.Finding)]);
            return ExitCodes.Ok;
        }, ct));

        escalations.Add(list);
        escalations.Add(close);
        return escalations;
    }
}
