using System.CommandLine;
using NoCertHub.Sdk;
using NoCertHub.V1;

namespace NoCertHub.Cli;

/// <summary>
/// nocert verify: one check from the command line, as a window asks it (a window certificate) —
/// handy for testing a department's agent. Exit 0 on MATCH, 1 on any other verdict.
/// </summary>
internal static class VerifyCommand
{
    public static Command Build()
    {
        var item = new Option<string>("--item") { Description = "The catalog item, e.g. JJ-MZ-001", Required = true };
        var subject = new Option<string>("--subject") { Description = "The ID card number or unified social credit code", Required = true };
        var organisation = new Option<bool>("--organization") { Description = "The subject is an organisation (unified social credit code)" };
        var caseNumber = new Option<string>("--case") { Description = "The case number at your office", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "Why the check is needed (Art. 17)", Required = true };
        var claims = new Option<string[]>("--claim") { Description = "A claimed field, field=value (repeat for each)", AllowMultipleArgumentsPerToken = false };
        var department = new Option<string>("--department") { Description = "Your department (your certificate's)", Required = true };
        var window = new Option<string>("--window") { Description = "Your window (your certificate's)", Required = true };
        var officer = new Option<string?>("--officer") { Description = "The officer (taken from the certificate where it names one)" };
        var command = new Command("verify", "One check, answered by the owning department's agent; exit 0 on MATCH, 1 otherwise")
        {
            item, subject, organisation, caseNumber, purpose, claims, department, window, officer,
        };
        command.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var request = new VerificationRequest
            {
                ItemCode = parsed.GetValue(item)!,
                Subject = new Subject { Kind = parsed.GetValue(organisation) ? SubjectKind.Organization : SubjectKind.Person, Id = parsed.GetValue(subject)! },
                CaseNumber = parsed.GetValue(caseNumber)!,
                Purpose = parsed.GetValue(purpose)!,
                Requester = new Requester { Department = parsed.GetValue(department)!, Window = parsed.GetValue(window)!, Officer = parsed.GetValue(officer) ?? "" },
            };
            foreach (var claim in parsed.GetValue(claims) ?? [])
            {
                var at = claim.IndexOf('=', StringComparison.Ordinal);
                if (at <= 0)
                {
                    await Console.Error.WriteLineAsync($"nocert: --claim '{claim}' is not field=value");
                    return ExitCodes.Usage;
                }

                request.Claims[claim[..at]] = claim[(at + 1)..];
            }

            var result = await new VerificationService.VerificationServiceClient(channel).VerifyAsync(new VerifyRequest { Request = request }, call);
            // The department's seal, checked against the district's CA as the SDK checks it for every window.
            using var sdk = new NoCertHubClient(channel, new NoCertHubClientOptions { TrustedAuthorities = Connection.Authorities(parsed) });
            var check = sdk.CheckSeal(result);
            var seal = check.IsValid ? $"valid: sealed by {check.Agent} of {check.Department}" : $"{check.Status}: {check.Problem}";
            output.Print(result, [("request", result.RequestId), ("verdict", Output.Name(result.Verdict, "").ToUpperInvariant()),
                .. result.Fields.Select(f => ($"  {f.Field}", Output.Name(f.Verdict, "").ToLowerInvariant())),
                .. result.Disclosed.Select(d => ($"  {d.Key} (disclosed)", d.Value)),
                ("answered by", $"{result.AnsweringAgent} ({result.AnsweringDepartment})"), ("answered at", Output.Time(result.AnsweredAt)), ("late", result.Late ? "yes" : "no"),
                ("note", result.Note), ("seal", seal)]);
            return result.Verdict == Verdict.Match ? ExitCodes.Ok : ExitCodes.Negative;
        }, ct));
        return command;
    }
}
