using System.Text.RegularExpressions;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authorization;
using NoCertHub.Hub.Hosting;
using Xunit;

namespace NoCertHub.Hub.Tests.Identity;

/// <summary>docs/security.md's table of who may call each RPC is the policies the hub's endpoints carry, no more, no less.</summary>
public partial class AccessPolicyTableTests
{
    [Fact]
    public async Task SecurityDocTable_IsThePolicyOfEveryMappedRpc()
    {
        var directory = Directory.CreateTempSubdirectory("nocert-policies-").FullName;
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = directory, EnvironmentName = "Testing" });
            builder.Services.AddNoCertHub();
            await using var app = builder.Build();
            app.MapNoCertHub();

            var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints)
                .Select(e => (Rpc: e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName.TrimStart('/'), Endpoint: e))
                .Where(e => e.Rpc is not null && RpcName().IsMatch(e.Rpc))
                // An RPC with a REST/JSON route has two endpoints (gRPC and JSON): both must carry the one policy.
                .GroupBy(e => e.Rpc!, StringComparer.Ordinal)
                .ToDictionary(
                    g => g.Key,
                    g => string.Join(" / ", g.Select(e => e.Endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Distinct().SingleOrDefault() ?? "none").Distinct()),
                    StringComparer.Ordinal);
            var transcoded = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints)
                .Count(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.ServiceName == "nocert.v1.VerificationService" && e is RouteEndpoint { RoutePattern.RawText: var route } && route!.StartsWith("/v1/", StringComparison.Ordinal));
            var documented = Documented();

            Assert.NotEmpty(mapped);
            Assert.Equal(4, transcoded);
            Assert.Equal(documented.OrderBy(p => p.Key, StringComparer.Ordinal), mapped.OrderBy(p => p.Key, StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void EveryNoCertHubRpc_NeedsACertificate()
    {
        Assert.All(Documented().Where(p => p.Key.StartsWith("nocert.", StringComparison.Ordinal)), p => Assert.NotEqual("none", p.Value));
    }

    // "| `service/Method` | who | `policy` |" or "| … | none |"
    private static Dictionary<string, string> Documented()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "NoCertHub.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("the repository root (NoCertHub.sln) was not found above the test's folder");
        }

        return File.ReadLines(Path.Combine(root, "docs", "security.md"))
            .Select(line => TableRow().Match(line))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups["rpc"].Value, m => m.Groups["policy"].Value, StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^\| `(?<rpc>[\w.]+/\w+)` \| [^|]+ \| `?(?<policy>[\w-]+)`? \|$")]
    private static partial Regex TableRow();

    [GeneratedRegex(@"^[\w.]+/\w+$")]
    private static partial Regex RpcName();
}
