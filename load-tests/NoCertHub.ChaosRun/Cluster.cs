using System.Diagnostics;
using System.Globalization;
using NoCertHub.Testing;

namespace NoCertHub.ChaosRun;

/// <summary>
/// The run's hub and agent processes, each in its own folder on fixed loopback ports, so one
/// killed with SIGKILL starts again on its own data where it was.
/// </summary>
internal sealed class Cluster(string root, string work, string redis) : IAsyncDisposable
{
    public const int Hubs = 3;
    public const int Agents = 6;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly int[] _grpcPorts = [.. Enumerable.Range(0, Hubs).Select(_ => FreePort.Next())];
    private readonly int[] _metricsPorts = [.. Enumerable.Range(0, Hubs).Select(_ => FreePort.Next())];
    private readonly int[] _agentMetricsPorts = [.. Enumerable.Range(0, Agents + 1).Select(_ => FreePort.Next())];
    private readonly Dictionary<string, ServerProcess> _running = new(StringComparer.Ordinal);
    private readonly List<ServerProcess> _killed = [];

    private string HubDll => Path.Combine(root, "src", "Hub", "NoCertHub.Hub", "bin", "Release", "net10.0", "NoCertHub.Hub.dll");

    private string AgentDll => Path.Combine(root, "src", "Agents", "NoCertHub.Agents", "bin", "Release", "net10.0", "NoCertHub.Agents.dll");

    private string AuditFolder => Directory.CreateDirectory(Path.Combine(work, "audit")).FullName;

    /// <summary>The one audit database the hubs share (as they share SQL Server in production).</summary>
    public string AuditDatabase => Path.Combine(AuditFolder, "audit.db");

    public Uri Address(int hub) => new($"http://127.0.0.1:{_grpcPorts[hub].ToString(CultureInfo.InvariantCulture)}");

    public static string FindRoot()
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

    public async Task StartHubAsync(int hub)
    {
        var folder = Directory.CreateDirectory(Path.Combine(work, "hub" + hub)).FullName;
        _running["hub" + hub] = await StartAsync("hub" + hub, HubDll, HubSettings(hub), folder, () => ServerProcess.ListeningAsync(_grpcPorts[hub]));
    }

    public async Task StartAgentAsync(int agent)
    {
        var folder = Directory.CreateDirectory(Path.Combine(work, "agent" + agent)).FullName;
        _running["agent" + agent] = await StartAsync("agent" + agent, AgentDll, AgentSettings(agent), folder, () => ServerProcess.ListeningAsync(_agentMetricsPorts[agent]));
    }

    /// <summary>The agent of the department that had none during the run: it answers JJ-WJ-001 from a register of its own.</summary>
    public async Task StartHealthAgentAsync()
    {
        var folder = Directory.CreateDirectory(Path.Combine(work, "agent-health")).FullName;
        var seed = Path.Combine(folder, "health.sql");
        await File.WriteAllTextAsync(seed,
            "CREATE TABLE health_certificates (id_number TEXT PRIMARY KEY, full_name TEXT NOT NULL, valid_until TEXT NOT NULL);\n"
            + "INSERT INTO health_certificates VALUES ('33100219850312001X', '张伟', '2027-06-30');\n");
        var settings = AgentSettings(Agents);
        const string Health = "--Agent:Departments:5:";
        settings.AddRange(
        [
            Health + "Department=jj-health", Health + "AgentId=chaos-health", Health + "Capacity=64",
            Health + "Certificate=", Health + "CertificateKey=",
            Health + "Database:Provider=Sqlite", Health + "Database:ConnectionString=Data Source=data/legacy/health.db", Health + "Database:SeedScript=" + seed,
            Health + "Items:JJ-WJ-001:Query=SELECT full_name, valid_until FROM health_certificates WHERE id_number = @SubjectId",
            Health + "Items:JJ-WJ-001:Fields:name=full_name", Health + "Items:JJ-WJ-001:Fields:valid_until=valid_until",
        ]);
        _running["agent-health"] = await StartAsync("agent-health", AgentDll, settings, folder, () => ServerProcess.ListeningAsync(_agentMetricsPorts[Agents]));
    }

    /// <summary>
    /// For a failed check: whether the named server still runs, and the lines it wrote that are
    /// warnings or errors (all of them for a server that has exited), at most <paramref name="lines"/>.
    /// </summary>
    public string Describe(string name, int lines = 40)
    {
        if (!_running.TryGetValue(name, out var process))
        {
            return $"{name}: not running (killed and not started again)";
        }

        var written = process.Output.Split('\n');
        var shown = process.HasExited ? written : [.. written.Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("crit", StringComparison.OrdinalIgnoreCase))];
        return $"{name}: {(process.HasExited ? "exited, " + process.ExitReport.Split('\n')[0] : "running")}; {shown.Length} lines of note{(shown.Length > lines ? $", the last {lines}" : string.Empty)}:\n  "
            + string.Join("\n  ", shown.TakeLast(lines));
    }

    public async Task KillAsync(string name)
    {
        var process = _running[name];
        _running.Remove(name);
        await process.KillAsync();
        // Not disposed: that would remove its folder, which the restart needs.
        _killed.Add(process);
    }

    public Task RestartAsync(string name) =>
        name.StartsWith("hub", StringComparison.Ordinal) ? StartHubAsync(int.Parse(name[3..], CultureInfo.InvariantCulture)) : StartAgentAsync(int.Parse(name[5..], CultureInfo.InvariantCulture));

    /// <summary>Every process asked to stop (SIGTERM), agents first.</summary>
    public async Task StopAllAsync()
    {
        foreach (var (_, process) in _running.OrderBy(p => p.Key.StartsWith("hub", StringComparison.Ordinal)))
        {
            if (!await process.StopAsync(TimeSpan.FromSeconds(30)))
            {
                await process.KillAsync();
            }
        }
    }

    /// <summary>`verify-audit` as the joint office runs it, with the hubs' settings, against the shared database and checkpoints.</summary>
    public async Task<(int ExitCode, string Output)> VerifyAuditAsync()
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.Combine(work, "hub0"), RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(HubDll);
        start.ArgumentList.Add("verify-audit");
        HubSettings(0).ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _running.Values.Concat(_killed))
        {
            await process.DisposeAsync();
        }
    }

    private List<string> HubSettings(int hub) =>
    [
        $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{_grpcPorts[hub].ToString(CultureInfo.InvariantCulture)}",
        "--Kestrel:Endpoints:Grpc:Protocols=Http2",
        $"--Kestrel:Endpoints:Metrics:Url=http://127.0.0.1:{_metricsPorts[hub].ToString(CultureInfo.InvariantCulture)}",
        "--Hub:InstanceId=chaos-hub" + hub,
        "--Redis:ConnectionString=" + redis,
        "--Redis:KeyPrefix=chaos",
        $"--Audit:ConnectionString=Data Source={AuditDatabase}",
        "--Audit:SubjectKeyPath=" + Path.Combine(AuditFolder, "keys", "subject.key"),
        "--Audit:SigningKeyPath=" + Path.Combine(AuditFolder, "keys", "signing.pem"),
        "--Audit:CheckpointDirectory=" + Path.Combine(AuditFolder, "checkpoints"),
        "--Audit:CheckpointInterval=00:00:15",
        "--Security:Mode=InsecureLoopback",
        "--Limits:CallsPerSecond=0",
        // A killed hub's requests are adopted within seconds, not the production 15.
        "--Hub:LeaseTtl=00:00:03",
        // Short limits, so that what a kill delays goes overdue and is escalated within the run.
        "--Sla:Immediate=00:00:05",
        "--Sla:OnSite=00:00:05",
        "--Logging:LogLevel:Default=Warning",
    ];

    private List<string> AgentSettings(int agent)
    {
        var settings = new List<string>
        {
            "--Agent:HubAddress=" + Address(agent % Hubs),
            "--Agent:CaBundle=",
            $"--Agent:MetricsUrl=http://127.0.0.1:{_agentMetricsPorts[agent].ToString(CultureInfo.InvariantCulture)}/metrics",
            "--Logging:LogLevel:Default=Warning",
        };
        // Every department of the shipped settings, under ids of this agent's own, without certificates (the hubs run insecure on loopback).
        for (var d = 0; d < 5; d++)
        {
            settings.Add($"--Agent:Departments:{d}:AgentId=chaos-a{agent}-d{d}");
            settings.Add($"--Agent:Departments:{d}:Certificate=");
            settings.Add($"--Agent:Departments:{d}:CertificateKey=");
        }

        return settings;
    }

    private static Task<ServerProcess> StartAsync(string name, string dll, List<string> settings, string folder, Func<Task<bool>> ready) =>
        File.Exists(dll)
            ? ServerProcess.StartAsync(name, "dotnet", [dll, .. settings], folder, ready, Patience)
            : throw new InvalidOperationException($"{dll} is not built; run `dotnet build -c Release NoCertHub.sln` first");
}
