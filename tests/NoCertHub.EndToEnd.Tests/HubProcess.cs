using System.Diagnostics;
using System.Globalization;
using System.Text;
using NoCertHub.Testing;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// One of the solution's programs (the hub, the agent) as its own operating-system process, built by
/// the solution build, so a test can kill it with SIGKILL mid-flight, start it again on the same
/// data, or watch a second copy refuse to start.
/// </summary>
internal sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the process wrote, for assertions and a failing test's message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>dotnet {dll}</c> from the solution's build of <paramref name="project"/> (e.g.
    /// "Hub/NoCertHub.Hub"), in <paramref name="workingDirectory"/>, with <paramref name="settings"/>
    /// as environment variables (":" written "__"); <paramref name="wrapper"/>, if given, is the
    /// program that runs dotnet (e.g. strace and its arguments).
    /// </summary>
    public static AppProcess Start(string project, string workingDirectory, IReadOnlyDictionary<string, string> settings, IReadOnlyList<string>? wrapper = null)
    {
        var dll = Path.Combine(BuildOutput(project), Path.GetFileName(project) + ".dll");
        var start = new ProcessStartInfo(wrapper is { Count: > 0 } ? wrapper[0] : "dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        if (wrapper is { Count: > 0 })
        {
            foreach (var argument in wrapper.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + project);
        var app = new AppProcess(process);
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Waits for the process to end by itself; false if it is still running after <paramref name="patience"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan patience)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(patience);
            // The exit is seen before the last lines are read: wait for the output's end too.
            await _process.WaitForExitAsync();
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>kill -9: no shutdown hooks, no flushing.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>kill -TERM: the graceful stop a service manager asks for.</summary>
    public async Task TerminateAsync(TimeSpan patience)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        if (!await WaitForExitAsync(patience))
        {
            throw new InvalidOperationException("The process did not stop within " + patience + " of SIGTERM:\n" + Output);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>The project's own build output, built by the same configuration as these tests.</summary>
    /// <summary>The folder of the solution's build of <paramref name="project"/>, which holds <paramref name="assembly"/> (default: the project's name).dll.</summary>
    internal static string BuildOutput(string project, string? assembly = null)
    {
        assembly ??= Path.GetFileName(project);
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NoCertHub.sln")))
            {
                var output = Path.Combine(dir.FullName, "src", project, "bin", configuration, framework);
                return File.Exists(Path.Combine(output, assembly + ".dll"))
                    ? output
                    : throw new InvalidOperationException($"{project} is not built at {output}; build the solution first (the README's test command does)");
            }
        }

        throw new InvalidOperationException("NoCertHub.sln not found above " + testOutput.FullName);
    }
}

/// <summary>The hub as its own process, on loopback ports of its own (or the ones a test names).</summary>
internal sealed class HubProcess : IAsyncDisposable
{
    private readonly AppProcess _app;

    private HubProcess(AppProcess app, int grpcPort, int metricsPort)
    {
        _app = app;
        GrpcPort = grpcPort;
        MetricsPort = metricsPort;
        Address = new Uri($"http://127.0.0.1:{grpcPort.ToString(CultureInfo.InvariantCulture)}");
        Metrics = new Uri($"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}/metrics");
    }

    public Uri Address { get; }

    public Uri Metrics { get; }

    public int GrpcPort { get; }

    public int MetricsPort { get; }

    public int Id => _app.Id;

    /// <summary>What the process wrote, for a failing test's message.</summary>
    public string Output => _app.Output;

    /// <summary>Starts the hub and waits until it serves; throws with its output if it never does.</summary>
    public static async Task<HubProcess> StartAsync(
        string workingDirectory, IReadOnlyDictionary<string, string> settings, int? grpcPort = null, int? metricsPort = null, IReadOnlyList<string>? wrapper = null)
    {
        var hub = Launch(workingDirectory, settings, grpcPort, metricsPort, wrapper);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (hub._app.HasExited || DateTime.UtcNow > until)
            {
                var output = hub.Output;
                await hub.DisposeAsync();
                throw new InvalidOperationException("The hub process did not come up:\n" + output);
            }

            try
            {
                await http.GetStringAsync(hub.Metrics);
                return hub;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Starts a hub expected to refuse to start: returns its exit code and what it wrote, or throws if it keeps running.</summary>
    public static async Task<(int ExitCode, string Output)> RunRefusedAsync(string workingDirectory, IReadOnlyDictionary<string, string> settings, int? grpcPort = null, int? metricsPort = null)
    {
        await using var hub = Launch(workingDirectory, settings, grpcPort, metricsPort, wrapper: null);
        return await hub._app.WaitForExitAsync(TimeSpan.FromSeconds(30))
            ? (hub._app.ExitCode, hub.Output)
            : throw new InvalidOperationException("The second hub did not refuse to start:\n" + hub.Output);
    }

    /// <summary>kill -9: no shutdown hooks, no flushing.</summary>
    public Task KillAsync() => _app.KillAsync();

    /// <summary>SIGTERM, and wait for the hub's graceful stop.</summary>
    public Task TerminateAsync() => _app.TerminateAsync(TimeSpan.FromSeconds(30));

    public async Task<string> MetricsTextAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(Metrics);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>A test's clean-up: the hub killed, SQLite's pooled handles on its files closed, its folder removed.</summary>
    public static async Task DisposeAndDeleteAsync(HubProcess? hub, string directory)
    {
        if (hub is not null)
        {
            await hub.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private static HubProcess Launch(string workingDirectory, IReadOnlyDictionary<string, string> settings, int? grpcPort, int? metricsPort, IReadOnlyList<string>? wrapper)
    {
        var grpc = grpcPort ?? FreePort.Next();
        var metrics = metricsPort ?? FreePort.Next();
        var environment = new Dictionary<string, string>(settings)
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpc.ToString(CultureInfo.InvariantCulture)}",
            // Plain http: gRPC only (HTTP/2 with prior knowledge); both protocols need TLS to negotiate.
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Metrics:Url"] = $"http://127.0.0.1:{metrics.ToString(CultureInfo.InvariantCulture)}",
        };
        // Callers act as they declare, unless the test asks for certificates.
        environment.TryAdd("Security:Mode", "InsecureLoopback");
        environment.TryAdd("Limits:CallsPerSecond", "0");
        return new HubProcess(AppProcess.Start("Hub/NoCertHub.Hub", workingDirectory, environment, wrapper), grpc, metrics);
    }
}
