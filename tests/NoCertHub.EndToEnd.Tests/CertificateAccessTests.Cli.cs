using System.Diagnostics;
using System.Text.Json.Nodes;
using NoCertHub.Hosting.Pki;
using NoCertHub.Sdk;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// nocert, the command line, run as its own process against a real hub in certificate mode, as a
/// department's IT, the joint office and a window's tester run it: exit codes a script can test,
/// --json a script can read, tables a person can read.
/// </summary>
public sealed partial class CertificateAccessTests
{
    [Fact]
    public async Task Nocert_ProposeDecideList_Escalations_AuditAndVerify_WithExitCodesAndJson()
    {
        // A hub of its own whose immediate checks fall due in 2 s, so an unanswered one is escalated during the test.
        var directory = Directory.CreateTempSubdirectory("nocert-cli-").FullName;
        var settings = CertificateMode(_ca.Issue(new CertificateSubject(PrincipalRole.Hub, "jj-big-data-center", "localhost"), TimeSpan.FromDays(10)));
        settings["Sla:Immediate"] = "00:00:02";
        settings["Sla:ReminderAt"] = "0";
        settings["Sla:SafetyNetInterval"] = "00:00:01";
        var hub = await TestHub.StartAsync(directory, _redis.ConnectionString, "cli-" + Guid.NewGuid().ToString("N")[..8], port: 0, settings);
        try
        {
            var address = TestHub.AddressOf(hub);
            await using var agents = new AgentRun(await TestAgents.StartAsync(address, null, _ca.CertificatePath, Certified(TestAgents.CivilAffairs(directory, "ca-cli"))));
            var departmentIt = Issue(PrincipalRole.Window, "jj-civil-affairs", "it-01", officer: "officer-sun");
            var office = Issue(PrincipalRole.JointOffice, "jj-joint-office", "jo-cli", officer: "officer-li");
            var window = Issue(PrincipalRole.Window, Window, "w-cli", officer: "officer-zhou");
            Task<Run> Nocert(string certificate, params string[] args) => RunNocertAsync(address, certificate, args);

            // Department IT proposes a new item; a window may not decide; the joint office approves; it is listed.
            var spec = Path.Combine(directory, "adoption.json");
            // In force from today in the district (UTC+8): a change never takes effect in the past.
            var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(spec, $$"""
                { "code": "JJ-MZ-010", "name": "收养登记证明 (adoption registration)", "legalBasis": "《中华人民共和国民法典》第1105条",
                  "replacementMethod": "REPLACEMENT_METHOD_INTER_DEPARTMENT_CHECK", "owningDepartment": "jj-civil-affairs", "slaClass": "SLA_CLASS_IMMEDIATE",
                  "fields": ["name", "adoption_status"], "effectiveFrom": "{{today}}", "domain": "COMMITMENT_DOMAIN_GENERAL" }
                """);
            var proposed = await Nocert(departmentIt, "catalog", "propose", "--file", spec, "--reason", "adoption records now shared", "--json");
            var proposalId = proposed.Json()["id"]!.ToString();
            var refusedDecision = await Nocert(window, "catalog", "decide", proposalId, "--approve", "--note", "ok");
            var bothWays = await Nocert(office, "catalog", "decide", proposalId, "--approve", "--reject", "--note", "ok");
            var decided = await Nocert(office, "catalog", "decide", proposalId, "--approve", "--note", "checked against the civil affairs bureau's records");
            var listed = await Nocert(window, "catalog", "list", "--json");
            var table = await Nocert(window, "catalog", "list");
            var unknown = await Nocert(window, "catalog", "show", "JJ-NO-999");

            Assert.Equal((0, "PROPOSAL_STATE_PENDING"), (proposed.ExitCode, proposed.Json()["state"]!.ToString()));
            Assert.Equal(4, refusedDecision.ExitCode);
            Assert.Contains("PermissionDenied", refusedDecision.Error, StringComparison.Ordinal);
            Assert.Equal(2, bothWays.ExitCode);
            Assert.Contains("--approve or --reject", bothWays.Error, StringComparison.Ordinal);
            Assert.Equal(0, decided.ExitCode);
            Assert.Contains("approved", decided.Output, StringComparison.Ordinal);
            Assert.Contains(listed.Json()["items"]!.AsArray(), i => i!["code"]!.ToString() == "JJ-MZ-010" && i["owningDepartment"]!.ToString() == "jj-civil-affairs");
            Assert.Matches(@"(?m)^JJ-MZ-010\s+收养登记证明 \(adoption registration\)\s+jj-civil-affairs\s+immediate", table.Output);
            Assert.Equal(5, unknown.ExitCode);

            // One check from the command line: exit 0 on MATCH, 1 on MISMATCH, the seal checked.
            string[] check = ["verify", "--item", "JJ-MZ-001", "--subject", ZhangWei, "--case", "JJ-CLI-1", "--purpose", "testing the civil affairs agent", "--department", Window, "--window", "w-cli"];
            var match = await Nocert(window, [.. check, "--claim", "marital_status=已婚"]);
            var mismatch = await Nocert(window, [.. check, "--claim", "marital_status=未婚", "--json"]);

            Assert.Equal(0, match.ExitCode);
            Assert.Matches(@"(?m)^verdict:\s+MATCH$", match.Output);
            Assert.Matches(@"(?m)^seal:\s+valid: sealed by ca-cli of jj-civil-affairs$", match.Output);
            Assert.Equal((1, "VERDICT_MISMATCH"), (mismatch.ExitCode, mismatch.Json()["verdict"]!.ToString()));

            // A check no agent answers (no public-security agent) is escalated; the joint office lists and closes it.
            using var sdk = new NoCertHubClient(new NoCertHubClientOptions { Address = address, ClientCertificate = NoCertHubChannel.LoadCertificate(window, KeyOf(window)), TrustedAuthorities = _trusted });
            var household = new VerificationRequest
            {
                ItemCode = "JJ-GA-002",
                Subject = new Subject { Kind = SubjectKind.Person, Id = ZhangWei },
                CaseNumber = "JJ-CLI-2",
                Purpose = "household registration",
                Requester = new Requester { Department = Window, Window = "w-cli" },
            };
            household.Claims["name"] = "张伟";
            var receipt = await sdk.SubmitAsync(household);
            var escalated = await Poll.UntilAsync(() => Nocert(office, "escalations", "list", "--json"),
                run => run.ExitCode == 0 && run.Output.Contains(receipt.RequestId, StringComparison.Ordinal));
            var asWindow = await Nocert(window, "escalations", "list");
            var closed = await Nocert(office, "escalations", "close", receipt.RequestId, "--finding", "public security's agent was down; restarted");
            var afterwards = await Nocert(office, "escalations", "list", "--all", "--json");

            var escalation = Assert.Single(escalated.Json()["escalations"]!.AsArray(), e => e!["requestId"]!.ToString() == receipt.RequestId)!;
            Assert.Equal("jj-public-security", escalation["departmentAtFault"]!.ToString());
            Assert.Equal(4, asWindow.ExitCode);
            Assert.Equal(0, closed.ExitCode);
            Assert.Contains(afterwards.Json()["escalations"]!.AsArray(), e => e!["requestId"]!.ToString() == receipt.RequestId && e["state"]!.ToString() == "ESCALATION_STATE_CLOSED");

            // The trail: the joint office finds the lookups of the case, states why, and checks the chain.
            var search = await Nocert(office, "audit", "search", "--case", "JJ-CLI-1", "--purpose", "complaint 2026-118: who checked this case", "--json");
            var noPurpose = await Nocert(office, "audit", "search", "--case", "JJ-CLI-1");
            var findings = await Nocert(office, "audit", "findings", "--json");
            var chain = await Nocert(office, "audit", "verify");
            var health = await Nocert(window, "health");

            Assert.Equal(0, search.ExitCode);
            Assert.Equal(2, search.Json()["entries"]!.AsArray().Count(e => e!["kind"]!.ToString() == "AUDIT_ENTRY_KIND_ANSWERED" && e["caseNumber"]!.ToString() == "JJ-CLI-1"));
            Assert.Equal(2, noPurpose.ExitCode);
            Assert.Equal(0, findings.ExitCode);
            Assert.NotNull(findings.Json()["findings"]);
            Assert.Equal(0, chain.ExitCode);
            Assert.Matches(@"(?m)^result:\s+intact$", chain.Output);
            Assert.Equal(0, health.ExitCode);
            Assert.Matches(@"(?m)^status:\s+serving$", health.Output);
        }
        finally
        {
            await TestHub.StopAsync(hub);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Nocert_WithoutACertificate_OrAgainstNoHub_SaysWhy_WithItsExitCode()
    {
        var noCertificate = await RunNocertAsync(_address, null, ["escalations", "list"]);
        var noHub = await RunNocertAsync(new Uri($"https://127.0.0.1:{NoCertHub.Testing.FreePort.Next()}"), null, ["health", "--timeout", "3"]);
        var unknownCommand = await RunNocertAsync(_address, null, ["catalogue", "list"]);

        Assert.Equal(4, noCertificate.ExitCode);
        Assert.Contains("Unauthenticated: no client certificate was presented", noCertificate.Error, StringComparison.Ordinal);
        Assert.Equal(3, noHub.ExitCode);
        Assert.Contains("Unavailable", noHub.Error, StringComparison.Ordinal);
        Assert.Equal(2, unknownCommand.ExitCode);
    }

    private sealed record Run(int ExitCode, string Output, string Error)
    {
        public JsonObject Json() => Output.TrimStart().StartsWith('{') ? JsonNode.Parse(Output)!.AsObject() : throw new InvalidOperationException($"not JSON (exit {ExitCode}): {Output} {Error}");
    }

    // `dotnet nocert.dll …` from the solution's build, with this test's CA; bounded at 60 s.
    private async Task<Run> RunNocertAsync(Uri hub, string? certificate, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppProcess.BuildOutput("Sdk/NoCertHub.Cli", "nocert"), "nocert.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NOCERT_HUB"] = hub.ToString();
        start.Environment["NOCERT_CA"] = _ca.CertificatePath;
        if (certificate is not null)
        {
            start.Environment["NOCERT_CERT"] = certificate;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await output, await error);
    }
}
