extern alias hub;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using NoCertHub.Sdk;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// What the big-data center sees: a real Prometheus scraping a real hub and a real agent under a
/// short load, every query of the Grafana dashboard run against it; the metrics text linted by
/// promtool; health, reflection and structured logs.
/// </summary>
public abstract class ObservabilityTests<TRedis>(TRedis redis) : IClassFixture<TRedis>, IAsyncLifetime, IDisposable
    where TRedis : SharedRedis
{
    private const string ZhangWei = "33100219850312001X";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-e2e-observe-").FullName;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly int _hubHttp1 = FreePort.Next();
    private readonly int _agentMetrics = FreePort.Next();
    private WebApplication _hub = null!;

    public async Task InitializeAsync() =>
        _hub = await TestHub.StartAsync(_directory, redis.ConnectionString, "observe-" + Guid.NewGuid().ToString("N")[..8], port: 0,
            settings: new Dictionary<string, string?> { ["Sla:Records"] = "00:00:02", ["Logging:LogLevel:NoCertHub"] = "Debug" },
            http1Port: _hubHttp1, logging: l => l.AddProvider(_logs));

    [Fact]
    public async Task EveryDashboardQuery_ReturnsData_FromARealPrometheusScrapingTheHubAndAnAgent()
    {
        var agentOptions = TestAgents.CivilAffairs(_directory, "ca-observe");
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), new Uri($"http://127.0.0.1:{_agentMetrics}/metrics"), agentOptions));
        await using var prometheus = await PrometheusProcess.StartAsync(new Dictionary<string, (string, string)>
        {
            ["nocert-hub"] = ($"127.0.0.1:{_hubHttp1}", "/metrics"),
            ["nocert-agent"] = ($"127.0.0.1:{_agentMetrics}", "/metrics"),
        });
        using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = TestHub.AddressOf(_hub), VerifyTimeout = TimeSpan.FromSeconds(20) });

        // A short load: answered checks, refusals, and one request nobody answers, escalated after its 2-second limit.
        var overdue = await client.SubmitAsync(Request("JJ-ZG-001", "JJ-OBS-OVERDUE"));
        var load = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async w =>
        {
            for (var i = 0; i < 25 && load.Elapsed < TimeSpan.FromSeconds(20); i++)
            {
                await client.VerifyAsync(Request("JJ-MZ-001", $"JJ-OBS-{w}-{i}"));
            }
        }));
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => client.SubmitAsync(Request("JJ-XX-404", "JJ-OBS-BAD-" + i)));
        }

        await Poll.UntilAsync(async () => (await prometheus.QueryAsync("sum(nocert_sla_escalations_total) >= 1 and sum(nocert_agent_checks_total) >= 200")).GetArrayLength(), n => n > 0);
        await Task.Delay(TimeSpan.FromSeconds(3)); // a few more scrapes, so every rate has two samples after the load

        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "grafana", "nocerthub.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p.GetProperty("title").GetString()!, Expr: t.GetProperty("expr").GetString()!)))
            .ToList();
        var empty = new List<string>();
        foreach (var (panel, expr) in queries)
        {
            var query = expr.Replace("$__rate_interval", "30s", StringComparison.Ordinal).Replace("$department", ".*", StringComparison.Ordinal);
            if ((await prometheus.QueryAsync(query)).GetArrayLength() == 0)
            {
                empty.Add($"{panel}: {query}");
            }
        }

        Assert.True(queries.Count >= 20, $"the dashboard has only {queries.Count} queries");
        Assert.True(empty.Count == 0, "panels without data:\n" + string.Join("\n", empty));
        var overdueNow = await prometheus.QueryAsync("sum(nocert_requests_overdue{department=\"jj-natural-resources\"})");
        Assert.Equal("1", overdueNow[0].GetProperty("value")[1].GetString());
        Assert.NotEmpty(overdue.RequestId);
    }

    [Fact]
    public async Task MetricsText_OfTheHubAndOfAnAgent_PassesPromtool()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), new Uri($"http://127.0.0.1:{_agentMetrics}/metrics"), TestAgents.CivilAffairs(_directory, "ca-lint")));
        using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = TestHub.AddressOf(_hub) });
        await client.VerifyAsync(Request("JJ-MZ-001", "JJ-LINT-1"));
        using var http = new HttpClient();

        foreach (var url in new[] { $"http://127.0.0.1:{_hubHttp1}/metrics", $"http://127.0.0.1:{_agentMetrics}/metrics" })
        {
            var text = await http.GetStringAsync(new Uri(url));
            var (code, output) = await RunAsync(ServerProcess.Which("promtool")!, ["check", "metrics"], text);

            Assert.True(code == 0, $"promtool check metrics on {url}:\n{output}");
            Assert.Contains("nocert_", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Health_LiveAndReady_OverHttpAndGrpc()
    {
        using var http = new HttpClient();
        using var channel = GrpcChannel.ForAddress(TestHub.AddressOf(_hub));

        var live = await http.GetAsync(new Uri($"http://127.0.0.1:{_hubHttp1}/healthz"));
        var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{_hubHttp1}/readyz"));
        var grpc = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (ready.StatusCode, await ready.Content.ReadAsStringAsync()));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, grpc.Status);
    }

    [Fact]
    public async Task Reflection_ListsEveryService_ForStandardClients()
    {
        using var channel = GrpcChannel.ForAddress(TestHub.AddressOf(_hub));
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Superset(
            new HashSet<string> { "nocert.v1.VerificationService", "nocert.v1.AgentService", "nocert.v1.OversightService", "nocert.v1.AuditService", "nocert.v1.CatalogService", "grpc.health.v1.Health" },
            services.ToHashSet());
    }

    [Fact]
    public async Task Logs_AboutARequest_CarryItsId_AndNeverTheSubjectsIdNumber()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), TestAgents.CivilAffairs(_directory, "ca-logs")));
        using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = TestHub.AddressOf(_hub) });
        _logs.Clear();

        var result = await client.VerifyAsync(Request("JJ-MZ-001", "JJ-LOGS-1"));
        List<CapturingLoggerProvider.Entry> lines = [];
        // The answer's log line may follow the reply by a moment.
        var aboutIt = await Poll.UntilAsync(() =>
        {
            lines = _logs.Entries.Where(e => e.Category.StartsWith("NoCertHub.Hub", StringComparison.Ordinal)).ToList();
            return Task.FromResult(lines.Where(e => e.Text.Contains(result.RequestId, StringComparison.Ordinal) || e.Properties.ContainsValue(result.RequestId)).ToList());
        }, about => about.Count >= 2);

        Assert.True(aboutIt.Count >= 2, "expected the acceptance and the answer to be logged:\n" + string.Join("\n", lines.Select(l => l.Text)));
        Assert.All(aboutIt, e => Assert.Equal(result.RequestId, e.Properties.GetValueOrDefault("RequestId")));
        Assert.DoesNotContain(_logs.Entries, e => e.Text.Contains(ZhangWei, StringComparison.OrdinalIgnoreCase)
            || e.Properties.Values.Any(v => v?.Contains(ZhangWei, StringComparison.OrdinalIgnoreCase) == true));
    }

    public async Task DisposeAsync()
    {
        await TestHub.StopAsync(_hub);
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose()
    {
        _logs.Dispose();
        GC.SuppressFinalize(this);
    }

    private static async Task<(int Code, string Output)> RunAsync(string executable, string[] arguments, string input)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(Patience);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static VerificationRequest Request(string item, string caseNumber)
    {
        var request = new VerificationRequest
        {
            ItemCode = item,
            Subject = new Subject { Kind = SubjectKind.Person, Id = ZhangWei },
            CaseNumber = caseNumber,
            Purpose = "observability test",
            Requester = new Requester { Department = "jj-e2e-window", Window = "w-observe", Officer = "officer-observe" },
        };
        if (item == "JJ-MZ-001")
        {
            request.Claims["marital_status"] = "已婚";
        }

        return request;
    }
}

/// <summary>Every log entry with its message, structured properties and scope properties, as a structured sink would see it.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public void Clear() => _entries.Clear();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    internal sealed record Entry(string Category, string Text, Dictionary<string, string?> Properties, LogLevel Level = LogLevel.Information);

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = new Dictionary<string, string?>(StringComparer.Ordinal);
            void Add(object? values)
            {
                if (values is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (key, value) in pairs)
                    {
                        properties[key] = value?.ToString();
                    }
                }
            }

            Add(state);
            provider._scopes.ForEachScope((scope, _) => Add(scope), (object?)null);
            provider._entries.Enqueue(new Entry(category, formatter(state, exception) + (exception is null ? "" : " " + exception), properties, logLevel));
        }
    }
}

public sealed class ObservabilityOnGarnetTests(SharedGarnet redis) : ObservabilityTests<SharedGarnet>(redis);

public sealed class ObservabilityOnRedisServerTests(SharedRedisServer redis) : ObservabilityTests<SharedRedisServer>(redis);

public sealed class ObservabilityOnRedisClusterTests(SharedRedisCluster redis) : ObservabilityTests<SharedRedisCluster>(redis);
