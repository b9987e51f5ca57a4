using System.Diagnostics;

namespace NoCertHub.Testing;

/// <summary>
/// A server program a test starts on loopback (redis-server, prometheus): started with its
/// output drained, waited for until it answers, killed and its temp folder removed at the end.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    /// <summary>The server's own temp folder (data, configuration), removed on dispose.</summary>
    public string Directory { get; }

    /// <summary>Starts the program and waits until <paramref name="ready"/> says it answers; disposes it and throws if it never does.</summary>
    public static async Task<ServerProcess> StartAsync(string name, string executable, IEnumerable<string> arguments, string directory, Func<Task<bool>> ready, TimeSpan patience)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, directory);
        var until = DateTime.UtcNow + patience;
        while (!await ready())
        {
            if (process.HasExited || DateTime.UtcNow > until)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"{name} did not answer within {patience.TotalSeconds:0} s");
            }

            await Task.Delay(50);
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }
}
