using System.Globalization;
using System.Text;
using System.Text.Json;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Agents.Hosting;
using NoCertHub.LoadTests;
using NoCertHub.Sdk;
using NoCertHub.Testing;
using NoCertHub.V1;

// The load harness (issue 7): in one invocation, on this machine, it measures
//   - the physical limit: a bare gRPC echo server answering the same message shape;
//   - the proxy baseline: the same echo server behind nginx grpc_pass (one relay hop, nothing else);
//   - the hub end to end (window → hub → agent → window) with its production settings: the
//     embedded Garnet with durable receipts and answers, deadline tracking, the audit record
//     group-committed (SQLite WAL) before each answer is released; agents answer from SQLite;
//   - Verify (unary) and Submit + Watch (streamed), closed loop (as fast as answers come) and
//     open loop at 50 % of each one's closed-loop maximum (the best of 1, 4 and 16 times the callers);
//   - a scaling curve: 1, 2, 4, 8 agents for the department × 1, 10, 100, 1,000 windows.
// It prints a Markdown table and writes it with the raw numbers (JSON) under load-tests/results/.
// Bounded: every point runs for a fixed time.
//   dotnet build -c Release NoCertHub.sln
//   dotnet run -c Release --no-build --project load-tests/NoCertHub.LoadTests -- [seconds per point, 10] [callers, 64] [scaling: yes|no] [hub warm-up seconds, 20] [hub: the hub's Verify only | watch: its Submit + Watch only | baselines: the echo, bare and behind nginx, only] [--Hub:Setting=value ...]
// With "hub", --Security:Mode=Certificates runs the hub on mutual TLS with certificates the run makes (issue 21's cost).
// The hub is warmed up longer than the echo server: it JITs far more code (Garnet, Lua, SQLite,
// ASP.NET, gRPC), and on two cores its tiered compiler is still busy for tens of seconds.
var seconds = double.Parse(args.ElementAtOrDefault(0) ?? "10", CultureInfo.InvariantCulture);
var callers = int.Parse(args.ElementAtOrDefault(1) ?? "64", CultureInfo.InvariantCulture);
var scaling = (args.ElementAtOrDefault(2) ?? "yes") == "yes";
var hubWarmUp = TimeSpan.FromSeconds(double.Parse(args.ElementAtOrDefault(3) ?? "20", CultureInfo.InvariantCulture));
// "hub" (fifth argument) runs only the hub's Verify, closed loop and open loop at half its maximum: the quick loop for measuring one change.
var hubOnly = args.ElementAtOrDefault(4) is "hub" or "watch";
// "watch" runs only the hub's Submit + Watch, closed loop and open loop at half its maximum: the quick loop for the streamed mode.
var watchOnly = args.ElementAtOrDefault(4) == "watch";
// "baselines" runs only the echo server, bare and behind nginx: what the machine and one relay hop give.
var baselinesOnly = args.ElementAtOrDefault(4) == "baselines";
// "soak" runs the soak instead (issue 23): the hub's Verify maximum, then half of it for the first
// argument's seconds, with Watch streams and agents coming and going, the hub's memory sampled.
// "soak@RATE" soaks at RATE calls/s instead: below the point where the hub saturates on a small machine.
var soak = args.ElementAtOrDefault(4) is "soak" or ['s', 'o', 'a', 'k', '@', ..];
double? soakRate = args.ElementAtOrDefault(4) is ['s', 'o', 'a', 'k', '@', .. var rate] ? double.Parse(rate, CultureInfo.InvariantCulture) : null;
// Anything after that is passed to the hub as configuration, e.g. --Redis:Embedded:WaitForCommit=false, to measure what one setting costs.
var hubSettings = args.Skip(5).ToArray();
// --Security:Mode=Certificates: the hub on mutual TLS, every window and agent presenting a certificate
// of a CA the run makes (issue 21's cost per call); the hub's Verify only ("hub").
var withCertificates = hubSettings.Contains("--Security:Mode=Certificates");
if (withCertificates && !hubOnly)
{
    Console.WriteLine("--Security:Mode=Certificates measures the hub's Verify only: pass 'hub' as the fifth argument.");
    return 2;
}

var point = TimeSpan.FromSeconds(soak ? 10 : seconds);
// The load windows of the requesting department: callers take them in turn (w0 … w7).
const int Windows = 8;
var warmUp = TimeSpan.FromSeconds(Math.Min(3, seconds / 2));
var command = "dotnet run -c Release --no-build --project load-tests/NoCertHub.LoadTests -- " + string.Join(' ', args);

var root = FindRoot();
var work = Directory.CreateTempSubdirectory("nocert-harness-").FullName;
var pki = withCertificates ? LoadPki.Create(work) : null;
var results = new List<Measurement>();
var curve = new List<Measurement>();
using var http = new HttpClient();
try
{
    // 1. The physical limit.
    if (!hubOnly && !soak)
    {
        await using var echoServer = await StartEchoAsync();
        using var channel = Channel(echoServer.Address);
        var call = VerifyOn([channel]);
        var max = await MaximumAsync("echo", "Verify", call, warmUp, () => echoServer.Server.Cpu);
        results.Add(await Load.OpenAsync("echo", "Verify", max.PerSecond / 2, warmUp, point, callers * 4, call, () => echoServer.Server.Cpu));
        Console.WriteLine(Row(results[^1]));
    }

    // 1b. The proxy baseline: the same echo behind nginx grpc_pass, the relay the issue names.
    var nginx = soak ? null : ServerProcess.Which("nginx");
    if (!hubOnly && !soak && nginx is null)
    {
        Console.WriteLine("nginx is not installed (apt-get install nginx-light); the proxy baseline rows are left out.");
    }
    else if (!hubOnly && !soak)
    {
        await using var echoServer = await StartEchoAsync();
        var (proxy, address) = await Proxy.StartNginxAsync(nginx!, echoServer.Address, work);
        await using (proxy)
        {
            using var channel = Channel(address);
            await MaximumAsync("echo via nginx", "Verify", VerifyOn([channel]), warmUp, () => echoServer.Server.Cpu + proxy.Cpu);
        }
    }

    if (baselinesOnly)
    {
        return 0;
    }

    // 2. The hub, production settings, as its own process; its Redis the embedded default.
    var (grpcPort, httpPort) = (FreePort.Next(), FreePort.Next());
    await using (var hubServer = await StartHubAsync("hub", grpcPort, httpPort, hubSettings))
    {
        var hub = new Uri($"{(pki is null ? "http" : "https")}://127.0.0.1:{grpcPort}");
        var windowChannels = WindowChannels(hub, pki);
        using var channel = windowChannels[0];
        var verify = VerifyOn(windowChannels);

        await using (var agents = await AgentsAsync(hub, work, count: 2, pki))
        {
            if (watchOnly)
            {
                var streams = await SubmitWatch.StartAsync(new NoCertHubClient(channel), callers, Request);
                var best = await MaximumAsync("hub", "Submit+Watch", streams.CallAsync, hubWarmUp, () => hubServer.Cpu);
                var half = await Load.OpenAsync("hub", "Submit+Watch", best.PerSecond / 2, warmUp, point, callers * 4, streams.CallAsync, () => hubServer.Cpu);
                Console.WriteLine(Row(half));
                Console.WriteLine("slowest call due in each second, ms: " + Slowest(half));
                await streams.DisposeAsync();
                return 0;
            }

            var max = await MaximumAsync("hub", "Verify", verify, hubWarmUp, () => hubServer.Cpu);
            if (soak)
            {
                var soakReport = await Soak.RunAsync(hub, httpPort, soakRate ?? max.PerSecond / 2, TimeSpan.FromSeconds(seconds), callers * 4, verify, () => hubServer.Cpu,
                    async tag => await AgentsAsync(hub, work, 1, pki, tag), LoadPki.Department, Windows, command);
                Console.WriteLine(soakReport);
                var soakFile = $"soak-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.md";
                Directory.CreateDirectory(Path.Combine(root, "load-tests", "results"));
                await File.WriteAllTextAsync(Path.Combine(root, "load-tests", "results", soakFile), soakReport);
                Console.WriteLine("written: load-tests/results/" + soakFile);
                return 0;
            }

            if (hubOnly)
            {
                var open = await Load.OpenAsync("hub", "Verify", max.PerSecond / 2, warmUp, point, callers * 4, verify, () => hubServer.Cpu);
                Console.WriteLine(Row(open));
                Console.WriteLine("slowest call due in each second, ms: " + Slowest(open));
                Console.WriteLine(Row(await EchoAtRateAsync(open.OfferedPerSecond)));
                return 0;
            }

            var watch = await SubmitWatch.StartAsync(new NoCertHubClient(channel), callers, Request);
            var streamed = await MaximumAsync("hub", "Submit+Watch", watch.CallAsync, warmUp, () => hubServer.Cpu);
            results.Add(await Load.OpenAsync("hub", "Verify", max.PerSecond / 2, warmUp, point, callers * 4, verify, () => hubServer.Cpu));
            Console.WriteLine(Row(results[^1]));
            results.Add(await EchoAtRateAsync(results[^1].OfferedPerSecond));
            Console.WriteLine(Row(results[^1]));
            results.Add(await Load.OpenAsync("hub", "Submit+Watch", streamed.PerSecond / 2, warmUp, point, callers * 4, watch.CallAsync, () => hubServer.Cpu));
            Console.WriteLine(Row(results[^1]));
            await watch.DisposeAsync();
        }

        // 3. Where it bends: agents for the department × concurrent windows.
        if (scaling)
        {
            foreach (var agentCount in new[] { 1, 2, 4, 8 })
            {
                await using var agents = await AgentsAsync(hub, work, agentCount, pki);
                foreach (var windows in new[] { 1, 10, 100, 1000 })
                {
                    var m = await Load.ClosedAsync($"hub, {agentCount} agent(s)", "Verify", windows, TimeSpan.FromSeconds(1), point / 2, verify, () => hubServer.Cpu);
                    curve.Add(m);
                    Console.WriteLine(Row(m));
                }
            }
        }
    }

    // 4. The production topology: the hub on an external redis-server that fsyncs its append-only
    // file before it replies (appendfsync always: the durability the embedded barrier gives).
    var redisServer = ServerProcess.Which("redis-server");
    if (!hubOnly && redisServer is null)
    {
        Console.WriteLine("redis-server is not installed (the README's test command installs it: apt-get install redis-server); the production-topology rows are left out.");
    }
    else if (!hubOnly)
    {
        var redisPort = FreePort.Next();
        // redis-server's folder is its working directory: "--dir ." keeps its append-only file there.
        await using var redis = await Servers.StartAsync("redis", redisServer!,
            ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", "."],
            work, () => Servers.ListeningAsync(redisPort));
        (grpcPort, httpPort) = (FreePort.Next(), FreePort.Next());
        await using var hubServer = await StartHubAsync("hub-on-redis", grpcPort, httpPort, [$"--Redis:ConnectionString=127.0.0.1:{redisPort}", .. hubSettings]);
        var hub = new Uri($"http://127.0.0.1:{grpcPort}");
        var verify = VerifyOn(WindowChannels(hub, pki: null));
        TimeSpan Both() => hubServer.Cpu + redis.Cpu;
        await using var agents = await AgentsAsync(hub, work, count: 2, pki: null);
        var max = await MaximumAsync("hub + redis-server", "Verify", verify, hubWarmUp, Both);
        results.Add(await Load.OpenAsync("hub + redis-server", "Verify", max.PerSecond / 2, warmUp, point, callers * 4, verify, Both));
        Console.WriteLine(Row(results[^1]));
    }
}
finally
{
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
        // Best effort.
    }
}

var report = Report(results, curve, command);
Console.WriteLine();
Console.WriteLine(report);
var outDir = Path.Combine(root, "load-tests", "results");
Directory.CreateDirectory(outDir);
var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
await File.WriteAllTextAsync(Path.Combine(outDir, $"harness-{stamp}.md"), report);
await File.WriteAllTextAsync(Path.Combine(outDir, $"harness-{stamp}.json"), JsonSerializer.Serialize(new
{
    command,
    machine = new { Environment.ProcessorCount, os = Environment.OSVersion.ToString() },
    runs = results.Concat(curve).Select(Json),
}, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
Console.WriteLine($"written: load-tests/results/harness-{stamp}.md and .json");
return 0;

static object Json(Measurement m) => new
{
    m.Target, m.Mode, m.Loop, m.Concurrency, offered_per_second = double.IsNaN(m.OfferedPerSecond) ? (double?)null : m.OfferedPerSecond,
    m.Completed, m.Failed, m.Seconds, calls_per_second = m.PerSecond,
    p50_ms = m.Ms(50), p90_ms = m.Ms(90), p99_ms = m.Ms(99), p999_ms = m.Ms(99.9), max_ms = m.Ms(100),
    server_cpu_us_per_call = double.IsNaN(m.ServerCpuUs) ? (double?)null : m.ServerCpuUs,
    harness_cpu_us_per_call = double.IsNaN(m.HarnessCpuUs) ? (double?)null : m.HarnessCpuUs,
    slowest_ms_per_second = m.SlowestPerSecond,
};

// The closed-loop Verify row of the target with the most calls per second; null if it did not run.
static Measurement? Best(List<Measurement> results, string target) =>
    results.Where(r => r.Target == target && r.Mode == "Verify" && r.Loop == "closed").MaxBy(r => r.PerSecond);

static string Slowest(Measurement open) => string.Join(' ', open.SlowestPerSecond.Select(ms => ms.ToString("F0", CultureInfo.InvariantCulture)));

// Verify through one channel, as each of the harness's callers calls it.
// Verify through the windows' channels, each caller as window w(worker mod the number of channels).
static Func<int, long, Task> VerifyOn(GrpcChannel[] channels)
{
    var clients = channels.Select(c => new VerificationService.VerificationServiceClient(c)).ToArray();
    return (worker, n) => clients[worker % clients.Length].VerifyAsync(new VerifyRequest { Request = Request(n, worker) }, deadline: CallDeadline()).ResponseAsync;
}

// One channel per load window (w0 … w7): with certificates each presents its own window's.
static GrpcChannel[] WindowChannels(Uri hub, LoadPki? pki) => [.. Enumerable.Range(0, Windows).Select(i =>
{
    if (pki is null)
    {
        return Channel(hub);
    }

    var certificate = pki.Window("w" + i.ToString(CultureInfo.InvariantCulture));
    return NoCertHubChannel.ForAddress(hub, NoCertHubChannel.LoadCertificate(certificate, LoadPki.KeyOf(certificate)), NoCertHubChannel.LoadAuthorities(pki.CaPath));
})];

static string Row(Measurement m) => string.Create(CultureInfo.InvariantCulture,
    $"| {m.Target} | {m.Mode} | {(m.Loop == "open" ? $"open, {m.OfferedPerSecond:N0}/s offered" : $"closed, {m.Concurrency} callers")} | {m.PerSecond:N0} | {m.Ms(50):F2} | {m.Ms(90):F2} | {m.Ms(99):F2} | {m.Ms(99.9):F2} | {m.Failed} | {m.ServerCpuUs:F0} | {m.HarnessCpuUs:F0} |");

static string Report(List<Measurement> results, List<Measurement> curve, string command)
{
    var text = new StringBuilder();
    text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}` — {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; client, servers and agents on this one machine.");
    text.AppendLine();
    text.AppendLine("| target | mode | load | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms | failed | server CPU µs/call | harness CPU µs/call |");
    text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
    foreach (var m in results)
    {
        text.AppendLine(Row(m));
    }

    var echo = Best(results, "echo")!;
    var hub = Best(results, "hub")!;
    var openHub = results.First(r => r.Target == "hub" && r.Mode == "Verify" && r.Loop == "open");
    var floor = results.First(r => r.Target == "echo, at the hub's rate");
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"Closed-loop maximum of each target: the best of its Verify rows ({echo.Concurrency} callers for the echo, {hub.Concurrency} for the hub); the open loops run at half of it.");
    text.AppendLine(CultureInfo.InvariantCulture, $"Hub / echo (Verify, closed loop): **{hub.PerSecond / echo.PerSecond:P1}** (target ≥ 35 %). Hub p99 at 50 % of its maximum: **{openHub.Ms(99):F2} ms** (target < 10 ms); the bare echo offered the same {floor.OfferedPerSecond:N0} calls/s: p99 {floor.Ms(99):F2} ms.");
    text.AppendLine(CultureInfo.InvariantCulture, $"CPU per call (closed-loop Verify): hub process {hub.ServerCpuUs:F0} µs, echo server {echo.ServerCpuUs:F0} µs; the harness (client and, for the hub, the agents) {hub.HarnessCpuUs:F0} µs against {echo.HarnessCpuUs:F0} µs.");
    if (Best(results, "echo via nginx") is { } proxied)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"Proxy baseline (the echo behind nginx grpc_pass, {proxied.Concurrency} callers) / echo: **{proxied.PerSecond / echo.PerSecond:P1}**, echo and nginx {proxied.ServerCpuUs:F0} µs of CPU per call; hub / proxy baseline: **{hub.PerSecond / proxied.PerSecond:P1}**.");
    }

    if (Best(results, "hub + redis-server") is { } onRedis
        && results.FirstOrDefault(r => r.Target == "hub + redis-server" && r.Loop == "open") is { } openOnRedis)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"Production topology (external redis-server, appendfsync always) / echo: **{onRedis.PerSecond / echo.PerSecond:P1}**; p99 at 50 % of its maximum: **{openOnRedis.Ms(99):F2} ms**; hub and redis-server together {onRedis.ServerCpuUs:F0} µs of CPU per call.");
    }

    text.AppendLine();
    text.AppendLine("Slowest call due in each second of the open-loop runs (ms) — stalls show as single tall seconds:");
    text.AppendLine();
    foreach (var open in results.Where(r => r.Loop == "open"))
    {
        text.AppendLine($"- {open.Target}, {open.Mode}: " + Slowest(open));
    }

    if (Load.Failures.Count > 0)
    {
        text.AppendLine();
        text.AppendLine("Why measured calls failed (calls over an open loop's in-flight cap are not listed):");
        text.AppendLine();
        foreach (var (reason, count) in Load.Failures.Take(10))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- ×{count}: {reason}");
        }
    }

    if (curve.Count > 0)
    {
        text.AppendLine();
        text.AppendLine("Scaling (hub Verify, closed loop; calls/s and p99 ms):");
        text.AppendLine();
        var windows = curve.Select(c => c.Concurrency).Distinct().ToList();
        text.AppendLine("| agents \\ windows | " + string.Join(" | ", windows) + " |");
        text.AppendLine("|---|" + string.Concat(windows.Select(_ => "---|")));
        foreach (var group in curve.GroupBy(c => c.Target))
        {
            text.AppendLine("| " + group.Key.Replace("hub, ", "", StringComparison.Ordinal) + " | " + string.Join(" | ", group.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.PerSecond:N0} / {c.Ms(99):F1}"))) + " |");
        }
    }

    return text.ToString();
}

// A target's closed-loop maximum in one mode: the most calls per second over 1, 4 and 16 times the
// callers, each a row of the results. A server whose calls take longer (the hub's ~10 ms against
// the echo's ~2) needs more callers in flight to keep the cores busy; a closed loop that leaves
// them idle measures its callers, not the server.
async Task<Measurement> MaximumAsync(string target, string mode, Func<int, long, Task> call, TimeSpan firstWarmUp, Func<TimeSpan> cpu)
{
    Measurement? best = null;
    foreach (var count in new[] { callers, callers * 4, callers * 16 })
    {
        var m = await Load.ClosedAsync(target, mode, count, best is null ? firstWarmUp : warmUp, point, call, cpu);
        results.Add(m);
        Console.WriteLine(Row(m));
        best = best is null || m.PerSecond > best.PerSecond ? m : best;
    }

    return best!;
}

// The bare echo server as its own process, on a free loopback port.
async Task<EchoRun> StartEchoAsync()
{
    var port = FreePort.Next();
    var server = await Servers.StartDotnetAsync("echo", Dll(root, "load-tests/NoCertHub.EchoServer", "NoCertHub.EchoServer"), [port.ToString(CultureInfo.InvariantCulture)], work,
        () => Servers.ListeningAsync(port));
    return new EchoRun(server, new Uri($"http://127.0.0.1:{port}"));
}

// The bare echo at the rate the hub's open loop was offered (the hub idle meanwhile): the latency
// this machine, its scheduler and the harness put under any server at that rate, measured in the
// same run as the hub's, so the hub's own share of its p99 can be read off.
async Task<Measurement> EchoAtRateAsync(double perSecond)
{
    await using var echo = await StartEchoAsync();
    using var channel = Channel(echo.Address);
    var call = VerifyOn([channel]);
    // Warm-up only (its JIT), nothing measured.
    await Load.ClosedAsync("echo", "Verify", callers, warmUp, TimeSpan.Zero, call, () => echo.Server.Cpu);
    return (await Load.OpenAsync("echo", "Verify", perSecond, warmUp, point, callers * 4, call, () => echo.Server.Cpu)) with { Target = "echo, at the hub's rate" };
}

async Task<ServerProcess> StartHubAsync(string name, int grpc, int metrics, string[] settings) =>
    await Servers.StartDotnetAsync(name, Dll(root, "src/Hub/NoCertHub.Hub", "NoCertHub.Hub"),
        [
            .. pki?.HubSettings() ?? ["--Security:Mode=InsecureLoopback"],
            $"--Kestrel:Endpoints:Grpc:Url={(pki is null ? "http" : "https")}://127.0.0.1:{grpc}", $"--Kestrel:Endpoints:Grpc:Protocols={(pki is null ? "Http2" : "Http1AndHttp2")}", $"--Kestrel:Endpoints:Metrics:Url=http://127.0.0.1:{metrics}",
            "--Logging:LogLevel:Default=Warning", "--Logging:Console:FormatterName=simple",
            // The harness's few windows make thousands of calls a second each, far past a real window's
            // rate limit: it measures the hub, not the limit (pass --Limits:CallsPerSecond=1000000 for the limiter's cost).
            "--Limits:CallsPerSecond=0",
            .. settings,
        ],
        work, () => ReadyAsync(http, metrics));

static async Task<bool> ReadyAsync(HttpClient http, int port)
{
    try
    {
        return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"))).IsSuccessStatusCode;
    }
    catch (HttpRequestException)
    {
        return false;
    }
}

static async Task<AgentRun> AgentsAsync(Uri hub, string work, int count, LoadPki? pki, string tag = "")
{
    var options = new AgentOptions { HubAddress = hub, CaBundle = pki?.CaPath ?? "" };
    for (var i = 0; i < count; i++)
    {
        options.Departments.Add(new DepartmentAgentOptions
        {
            Department = "jj-civil-affairs",
            AgentId = $"load-ca{tag}-{count}-{i}",
            Certificate = pki?.Agent("jj-civil-affairs", $"load-ca{tag}-{count}-{i}") ?? "",
            Capacity = 64,
            Database = new LegacyDatabaseOptions
            {
                ConnectionString = $"Data Source={Path.Combine(work, "legacy", $"civil-affairs{tag}-{count}-{i}.db")}",
                SeedScript = Path.Combine(AppContext.BaseDirectory, "samples", "civil-affairs.sql"),
            },
            Items =
            {
                ["JJ-MZ-001"] = new ItemQueryOptions
                {
                    Query = "SELECT full_name, marital_status FROM marriage_registry WHERE id_number = @SubjectId",
                    Fields = { ["name"] = "full_name", ["marital_status"] = "marital_status" },
                },
            },
        });
    }

    foreach (var department in options.Departments.Where(d => d.Certificate.Length > 0))
    {
        department.CertificateKey = LoadPki.KeyOf(department.Certificate);
    }

    var worker = new AgentWorker(Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance);
    await worker.StartAsync(CancellationToken.None);
    await Task.WhenAll(worker.Agents.Select(a => a.Welcomed.Task)).WaitAsync(TimeSpan.FromSeconds(30));
    return new AgentRun(worker);
}

static VerificationRequest Request(long n, int worker)
{
    // The sample civil-affairs records in turn, so match, mismatch and not found all appear.
    var (id, name, status) = (n % 3) switch
    {
        0 => ("33100219850312001X", "张伟", "已婚"),
        1 => ("331002199007210029", "李娜", "已婚"),
        _ => ("331002200005050055", "林晓", "未婚"),
    };
    var request = new VerificationRequest
    {
        ItemCode = "JJ-MZ-001",
        Subject = new Subject { Kind = SubjectKind.Person, Id = id, Name = name },
        CaseNumber = "LOAD-" + n.ToString(CultureInfo.InvariantCulture),
        Purpose = "load test",
        Requester = new Requester { Department = LoadPki.Department, Window = "w" + (worker % Windows).ToString(CultureInfo.InvariantCulture), Officer = "load-officer" },
    };
    request.Claims["name"] = name;
    request.Claims["marital_status"] = status;
    return request;
}

// The same client settings for every target: HTTP/2 over as many connections as the streams need.
static GrpcChannel Channel(Uri address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
});

// A call that gets no answer counts as failed after this, so a broken server ends the run instead of hanging it.
static DateTime CallDeadline() => DateTime.UtcNow.AddSeconds(30);

static string Dll(string root, string project, string name) => Path.Combine(root, project, "bin", "Release", "net10.0", name + ".dll");

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "NoCertHub.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("run from inside the repository");
}

/// <summary>Agents started for a run, stopped with it.</summary>
internal sealed class AgentRun(AgentWorker worker) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();
    }
}

/// <summary>An echo server started for a run, and where it listens.</summary>
internal sealed record EchoRun(ServerProcess Server, Uri Address) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
