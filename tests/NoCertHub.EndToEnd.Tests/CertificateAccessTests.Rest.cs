extern alias hub;

using System.Net;
using System.Text.Json.Nodes;
using NoCertHub.Hosting.Pki;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// The window API as REST/JSON, called as a Java or web approval system would: plain HttpClient,
/// HTTP/1.1, JSON bodies, the window's certificate on the TLS connection — and held to what gRPC
/// callers are held to (identity, field checks, the audit trail).
/// </summary>
public sealed partial class CertificateAccessTests
{
    [Fact]
    public async Task EveryRestRoute_AnswersJson_OverHttp11_WithTheWindowsCertificate()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(_address, null, _ca.CertificatePath, Certified(TestAgents.CivilAffairs(_directory, "ca-rest"))));
        using var http = Https(Issue(PrincipalRole.Window, Window, "w-rest", officer: "officer-zhao"), http11: true);

        using var verified = await http.PostAsync(new Uri(_address, "/v1/requests:verify"), Json(MaritalJson("w-rest", "已婚")));
        var result = await BodyAsync(verified);
        using var submitted = await http.PostAsync(new Uri(_address, "/v1/requests"), Json(MaritalJson("w-rest", "未婚")));
        var receipt = await BodyAsync(submitted);
        var submittedId = receipt["requestId"]!.GetValue<string>();
        var status = await Poll.UntilAsync(
            async () => await BodyAsync(await http.GetAsync(new Uri(_address, $"/v1/requests/{submittedId}"))),
            s => s["state"]?.GetValue<string>() == "REQUEST_STATE_ANSWERED");
        var watched = await WatchLinesAsync(http, "/v1/windows/jj-e2e-window/w-rest/results?cursor=0", 2);

        Assert.Equal(HttpVersion.Version11, verified.Version);
        Assert.Equal("application/json", verified.Content.Headers.ContentType?.MediaType);
        Assert.Equal("VERDICT_MATCH", result["verdict"]!.GetValue<string>());
        Assert.Equal("jj-civil-affairs", result["answeringDepartment"]!.GetValue<string>());
        Assert.Equal("jj-civil-affairs", receipt["owningDepartment"]!.GetValue<string>());
        Assert.Equal("SLA_CLASS_IMMEDIATE", receipt["slaClass"]!.GetValue<string>());
        Assert.Equal("VERDICT_MISMATCH", status["result"]!["verdict"]!.GetValue<string>());
        // Watch: newline-delimited JSON, each event with its cursor, both results exactly once, in order.
        Assert.Equal([result["requestId"]!.GetValue<string>(), submittedId], watched.Select(e => e["result"]!["requestId"]!.GetValue<string>()));
        Assert.All(watched, e => Assert.False(string.IsNullOrEmpty(e["cursor"]!.GetValue<string>())));
        // The certified officer, not a declared one, is on the trail, as for gRPC callers.
        var trail = await _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>().FindByRequestAsync(submittedId, CancellationToken.None);
        Assert.Contains(trail, r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Answered && r.Officer == "officer-zhao");
    }

    [Fact]
    public async Task RestCalls_AreRefusedAsGrpcCallsAre_WithTheHttpStatus_AndAReasonInJson()
    {
        using var window = Https(Issue(PrincipalRole.Window, Window, "w-rest2", officer: "officer-zhao"), http11: true);
        using var otherWindow = Https(Issue(PrincipalRole.Window, "jj-admin-service-center", "w9", officer: "officer-qian"), http11: true);
        using var agent = Https(Issue(PrincipalRole.Agent, "jj-civil-affairs", "ca-rest-agent"), http11: true);

        // A control character in the case number: the same field check as gRPC, naming the field.
        var bad = MaritalJson("w-rest2", "已婚");
        bad["caseNumber"] = "JJ-\u0007-1";
        using var invalid = await window.PostAsync(new Uri(_address, "/v1/requests"), Json(bad));
        using var missing = await window.PostAsync(new Uri(_address, "/v1/requests"), Json(new JsonObject { ["itemCode"] = "JJ-MZ-001" }));
        // Well formed (rNN- and 26 base-32 characters), never issued.
        var unknown = "r00-" + new string('7', 26);
        using var notFound = await window.GetAsync(new Uri(_address, $"/v1/requests/{unknown}"));
        // Another window's results, an agent submitting, a window asking as another department.
        using var foreign = await otherWindow.GetAsync(new Uri(_address, "/v1/windows/jj-e2e-window/w-rest2/results"));
        using var asAgent = await agent.PostAsync(new Uri(_address, "/v1/requests"), Json(MaritalJson("w-rest2", "已婚")));
        using var plain = Https(null, http11: true);
        using var anonymous = await plain.PostAsync(new Uri(_address, "/v1/requests"), Json(MaritalJson("w-rest2", "已婚")));

        await AssertRefusedAsync(invalid, HttpStatusCode.BadRequest, "case_number");
        await AssertRefusedAsync(missing, HttpStatusCode.BadRequest, "subject");
        await AssertRefusedAsync(notFound, HttpStatusCode.NotFound, unknown);
        await AssertRefusedAsync(foreign, HttpStatusCode.Forbidden, "window");
        await AssertRefusedAsync(asAgent, HttpStatusCode.Forbidden, "role agent");
        await AssertRefusedAsync(anonymous, HttpStatusCode.Unauthorized, "certificate");
        var trail = await _hub.Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>()
            .SearchAsync(new hub::NoCertHub.Hub.Audit.AuditQuery(null, null, null, null, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), long.MaxValue, 100), CancellationToken.None);
        var refusals = trail.Where(r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Refused).Select(r => r.Reason ?? "").ToList();
        var listed = string.Join(" | ", refusals);
        Assert.True(refusals.Any(r => r.StartsWith("PermissionDenied: /v1/requests", StringComparison.Ordinal)), listed);
        Assert.True(refusals.Any(r => r.StartsWith("Unauthenticated: /v1/requests", StringComparison.Ordinal)), listed);
        Assert.True(refusals.Any(r => r.Contains("jj-admin-service-center", StringComparison.Ordinal)), listed);
    }

    [Fact]
    public async Task TheOpenApiDescription_ListsEveryRestRoute()
    {
        using var http = Https(Issue(PrincipalRole.Window, Window, "w-doc"), http11: true);

        var description = await BodyAsync(await http.GetAsync(new Uri(_address, "/openapi/v1.json")));

        var paths = description["paths"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal("/v1/requests, /v1/requests/{requestId}, /v1/requests:verify, /v1/windows/{department}/{window}/results", string.Join(", ", paths));
        Assert.Contains("Accepts a request and returns a receipt at once", description.ToJsonString(), StringComparison.Ordinal);
    }

    private static JsonObject MaritalJson(string window, string claimed) => new()
    {
        ["itemCode"] = "JJ-MZ-001",
        ["subject"] = new JsonObject { ["kind"] = "SUBJECT_KIND_PERSON", ["id"] = ZhangWei },
        ["caseNumber"] = "JJ-REST-" + Guid.NewGuid().ToString("N")[..6],
        ["purpose"] = "marriage registration",
        ["requester"] = new JsonObject { ["department"] = Window, ["window"] = window, ["officer"] = "declared-officer" },
        ["claims"] = new JsonObject { ["marital_status"] = claimed },
    };

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private static async Task<JsonObject> BodyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode expected, string reasonNames)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {(int)response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!.AsObject();
        Assert.Contains(reasonNames, error["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    // Reads the stream line by line until it holds `count` events; bounded, so a stream that never
    // delivers fails the test instead of hanging it.
    private async Task<List<JsonObject>> WatchLinesAsync(HttpClient http, string path, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await http.GetAsync(new Uri(_address, path), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<JsonObject>();
        while (events.Count < count && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length > 0)
            {
                events.Add(JsonNode.Parse(line)!.AsObject());
            }
        }

        return events;
    }
}
