using System.Globalization;
using NoCertHub.Agents.Hosting;

namespace NoCertHub.Agents.OnSite;

/// <summary>
/// The officer's side of on-site checks, run beside the agent:
/// <c>onsite list --department D</c> shows what is waiting, nearest deadline first;
/// <c>onsite answer --department D --request R --verdict match|mismatch|not-found|needs-supplement|refused --officer O
/// [--field name=match]... [--disclose field=value]... [--note text]</c> records the outcome, which the
/// running agent sends to the hub naming the officer.
/// </summary>
internal static class OnSiteCommand
{
    public const string Usage = """
        usage: NoCertHub.Agents onsite list --department D
               NoCertHub.Agents onsite answer --department D --request R --verdict match|mismatch|not-found|needs-supplement|refused --officer O
                      [--field FIELD=match|mismatch|not-found]... [--disclose FIELD=VALUE]... [--note TEXT]
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, AgentOptions options, TextWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        if (args.Count == 0 || args[0] is not ("list" or "answer"))
        {
            await output.WriteLineAsync(Usage);
            return 2;
        }

        if (!TryParse(args.Skip(1).ToList(), out var values, out var problem))
        {
            await output.WriteLineAsync(problem);
            return 2;
        }

        var departmentName = values.GetValueOrDefault("department")?.SingleOrDefault();
        var department = options.Departments.FirstOrDefault(d => d.Department == departmentName);
        if (department is null || !department.Items.Values.Any(i => i.OnSite))
        {
            var known = options.Departments.Where(d => d.Items.Values.Any(i => i.OnSite)).Select(d => d.Department);
            await output.WriteLineAsync($"--department '{departmentName}' has no on-site items in this agent's configuration; departments with on-site items: {string.Join(", ", known)}");
            return 2;
        }

        var list = new OnSiteWorkList(department.OnSiteWorkListPath, time);
        if (args[0] == "list")
        {
            var pending = await list.PendingAsync(cancellationToken);
            await output.WriteLineAsync($"{pending.Count} on-site check(s) waiting for {department.Department}:");
            foreach (var t in pending)
            {
                var claims = string.Join(", ", t.Claims.Select(c => $"{c.Key}={c.Value}"));
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{t.RequestId}  {t.ItemCode}  due {t.Deadline.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm}  {t.SubjectKind} {t.SubjectId} {t.SubjectName}  case {t.CaseNumber} ({t.RequesterDepartment})  authorization {(t.AuthorizationRef.Length == 0 ? "none" : t.AuthorizationRef)}  claims: {claims}"));
            }

            return 0;
        }

        try
        {
            await list.AnswerAsync(
                Single(values, "request"), Single(values, "verdict"), Single(values, "officer"),
                Pairs(values, "field"), Pairs(values, "disclose"), values.GetValueOrDefault("note")?.SingleOrDefault(), cancellationToken);
        }
        catch (OnSiteException e)
        {
            await output.WriteLineAsync(e.Message);
            return 1;
        }

        await output.WriteLineAsync($"recorded; the agent sends it to the hub within {options.WorkListPoll.TotalSeconds:0.#} s of being connected");
        return 0;
    }

    private static bool TryParse(List<string> args, out Dictionary<string, List<string>> values, out string problem)
    {
        values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        problem = "";
        for (var i = 0; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                problem = $"'{args[i]}' needs a value\n{Usage}";
                return false;
            }

            var name = args[i][2..];
            if (!values.TryGetValue(name, out var list))
            {
                values[name] = list = [];
            }

            list.Add(args[i + 1]);
        }

        return true;
    }

    private static string Single(Dictionary<string, List<string>> values, string name) =>
        values.GetValueOrDefault(name) is [var value] ? value : throw new OnSiteException($"--{name} is required, once");

    private static Dictionary<string, string> Pairs(Dictionary<string, List<string>> values, string name) =>
        (values.GetValueOrDefault(name) ?? []).Select(p => p.Split('=', 2)).ToDictionary(
            p => p[0], p => p.Length == 2 ? p[1] : throw new OnSiteException($"--{name} takes FIELD=VALUE, not '{p[0]}'"), StringComparer.Ordinal);
}
