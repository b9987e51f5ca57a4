using System.Diagnostics;
using System.Globalization;
using System.Text;
using NoCertHub.Testing;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// The hub as its own operating-system process, built by the solution build, so a test can kill
/// it with SIGKILL mid-flight and start it again on the same data.
/// </summary>
internal sealed class HubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HubProcess(Process process, int grpcPort, int metricsPort)
    {
        _process = process;
        Address = new Uri($"http://127.0.0.1:{grpcPort.ToString(CultureInfo.InvariantCulture)}");
        Metrics = new Uri($"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}/metrics");
    }

    public Uri Address { get; }

    public Uri Metrics { get; }

    /// <summary>What the process wrote, for a failing test's message.</summary>
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

    public static async Task<HubProcess> StartAsync(string workingDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var dll = Path.Combine(BuildOutput(), "NoCertHub.Hub.dll");
        var grpcPort = FreePort.Next();
        var metricsPort = FreePort.Next();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpcPort.ToString(CultureInfo.InvariantCulture)}";
        start.Environment["Kestrel__Endpoints__Metrics__Url"] = $"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the hub process");
        var hub = new HubProcess(process, grpcPort, metricsPort);
        process.OutputDataReceived += (_, e) => hub.Append(e.Data);
        process.ErrorDataReceived += (_, e) => hub.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited || DateTime.UtcNow > until)
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

    /// <summary>kill -9: no shutdown hooks, no flushing.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async Task<string> MetricsTextAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(Metrics);
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

    /// <summary>The hub's own build output, built by the same configuration as these tests.</summary>
    private static string BuildOutput()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NoCertHub.sln")))
            {
                var output = Path.Combine(dir.FullName, "src", "Hub", "NoCertHub.Hub", "bin", configuration, framework);
                return File.Exists(Path.Combine(output, "NoCertHub.Hub.dll"))
                    ? output
                    : throw new InvalidOperationException($"The hub is not built at {output}; build the solution first (the README's test command does)");
            }
        }

        throw new InvalidOperationException("NoCertHub.sln not found above " + testOutput.FullName);
    }
}
