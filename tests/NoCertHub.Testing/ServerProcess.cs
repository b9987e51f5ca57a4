using System.Diagnostics;

namespace NoCertHub.Testing;

/// <summary>
/// A server program a test or the load harness starts on loopback (redis-server, prometheus, the
/// hub, the echo server): started in its own folder with its output drained, waited for until it
/// answers, killed and its folder removed at the end.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private static readonly string[] BinDirectories = ["/usr/bin/", "/usr/local/bin/", "/usr/sbin/"];

    private readonly Process _process;
    private readonly OutputLines _output;
    private int _disposed;

    private ServerProcess(Process process, string directory, OutputLines output)
    {
        _process = process;
        Directory = directory;
        _output = output;
    }

    /// <summary>Whether the server has exited (killed, crashed or stopped).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// How the server ended and the first and last lines it wrote, for a harness whose server died
    /// under it; empty while it runs.
    /// </summary>
    public string ExitReport => _process.HasExited ? $"exit code {_process.ExitCode}:\n{_output}" : string.Empty;

    /// <summary>What the server has written so far (its first and last lines), running or not: for a harness's report of a check that failed.</summary>
    public string Output => _output.ToString();

    /// <summary>The server's own folder (data, configuration; its working directory), removed on dispose.</summary>
    public string Directory { get; }

    /// <summary>
    /// Processor time the server has used so far: all its threads, and its child processes while
    /// they run (nginx answers from worker processes; redis-server forks to rewrite its files).
    /// </summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server in {Directory} has exited, {ExitReport}");
            }

            var total = _process.TotalProcessorTime;
            foreach (var id in Children(_process.Id))
            {
                try
                {
                    using var child = Process.GetProcessById(id);
                    total += child.TotalProcessorTime;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Exited since it was listed.
                }
            }

            return total;
        }
    }

    /// <summary>The installed program of that name (Debian's packages put them in /usr/bin, daemons such as nginx in /usr/sbin), or null.</summary>
    public static string? Which(string name) => BinDirectories.Select(d => d + name).FirstOrDefault(File.Exists);

    /// <summary>
    /// Starts the program in <paramref name="directory"/> and waits until <paramref name="ready"/>
    /// says it answers; disposes it and throws, with the first lines it wrote, if it never does.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string name, string executable, IEnumerable<string> arguments, string directory, Func<Task<bool>> ready, TimeSpan patience)
    {
        var start = new ProcessStartInfo(executable) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var output = new OutputLines();
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, directory, output);
        var until = DateTime.UtcNow + patience;
        while (!await ready())
        {
            if (process.HasExited || DateTime.UtcNow > until)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"{name} did not answer within {patience.TotalSeconds:0} s:\n{output}");
            }

            await Task.Delay(50);
        }

        return server;
    }

    // Linux lists each thread's children in /proc/<pid>/task/<tid>/children.
    private static List<int> Children(int pid)
    {
        var ids = new List<int>();
        var tasks = $"/proc/{pid}/task";
        if (!System.IO.Directory.Exists(tasks))
        {
            return ids;
        }

        foreach (var task in System.IO.Directory.EnumerateDirectories(tasks))
        {
            try
            {
                foreach (var id in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    ids.Add(int.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The thread ended meanwhile.
            }
        }

        return ids;
    }

    /// <summary>Whether something accepts connections on the loopback <paramref name="port"/>: a server's readiness check.</summary>
    public static async Task<bool> ListeningAsync(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>Sends the server a signal by name (STOP, CONT, ...).</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Asks the server to stop (SIGTERM) and waits for it; false if it still runs after <paramref name="patience"/>. Its folder stays.</summary>
    public async Task<bool> StopAsync(TimeSpan patience)
    {
        if (_process.HasExited)
        {
            return true;
        }

        Signal("TERM");
        try
        {
            await _process.WaitForExitAsync().WaitAsync(patience);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Kills the server at once (SIGKILL) and waits for it to be gone; its folder stays, for a restart on it.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await KillAsync();

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

    // The first lines a server writes (why it did not start) and its last ones (why it stopped).
    private sealed class OutputLines
    {
        private readonly List<string> _first = [];
        private readonly Queue<string> _last = new();
        private long _dropped;

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_first)
            {
                if (_first.Count < KeptLines)
                {
                    _first.Add(line);
                    return;
                }

                _last.Enqueue(line);
                if (_last.Count > KeptLines)
                {
                    _last.Dequeue();
                    _dropped++;
                }
            }
        }

        public override string ToString()
        {
            lock (_first)
            {
                var gap = _dropped > 0 ? [$"... {_dropped} lines left out ..."] : Array.Empty<string>();
                return string.Join('\n', _first.Concat(gap).Concat(_last));
            }
        }
    }
}
