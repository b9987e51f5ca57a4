using System.Diagnostics;
using System.Net.Sockets;

namespace NoCertHub.LoadTests;

/// <summary>A server the harness starts on loopback (the hub, the echo server), killed at the end.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public static Task<ChildProcess> StartAsync(string dll, IEnumerable<string> arguments, string workingDirectory, Func<Task<bool>> ready) =>
        File.Exists(dll)
            ? StartExecutableAsync("dotnet", [dll, .. arguments], workingDirectory, ready)
            : throw new InvalidOperationException($"{dll} is not built; run `dotnet build -c Release NoCertHub.sln` first");

    public static async Task<ChildProcess> StartExecutableAsync(string executable, IEnumerable<string> arguments, string workingDirectory, Func<Task<bool>> ready)
    {
        var start = new ProcessStartInfo(executable) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + executable);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line && output.Count < 200) { output.Enqueue(line); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line && output.Count < 200) { output.Enqueue(line); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new ChildProcess(process);
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await ready())
        {
            if (process.HasExited || DateTime.UtcNow > until)
            {
                await child.DisposeAsync();
                throw new InvalidOperationException($"{string.Join(' ', start.ArgumentList.Prepend(executable))} did not start:\n" + string.Join("\n", output));
            }

            await Task.Delay(100);
        }

        return child;
    }

    /// <summary>Processor time the server has used so far, all threads.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<bool> ListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
