using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NoCertHub.Testing;

/// <summary>
/// A real redis-server (Debian's package) on a free loopback port, for tests that must run
/// against Redis itself and not only the embedded Garnet. The test command installs it.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private ServerProcess _server = null!;

    private RedisServerProcess(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static Task<RedisServerProcess> StartAsync() => StartAsync([]);

    /// <summary>A replica of <paramref name="primary"/>, ready once it has the primary's data.</summary>
    public static Task<RedisServerProcess> StartReplicaAsync(RedisServerProcess primary) =>
        StartAsync(["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>Stops the server from running (SIGSTOP) until <see cref="Resume"/>: it holds its connections and answers nothing.</summary>
    public void Pause() => _server.Signal("STOP");

    public void Resume() => _server.Signal("CONT");

    /// <summary>Kills the server at once (SIGKILL): whatever it had not replicated or written is gone; its folder stays.</summary>
    public async Task KillAsync()
    {
        Running = false;
        await _server.KillAsync();
    }

    /// <summary>False once killed, until restarted.</summary>
    public bool Running { get; private set; } = true;

    /// <summary>Starts the server again after <see cref="KillAsync"/>: same port, same folder, same settings (it reads back what it persisted).</summary>
    public async Task RestartAsync()
    {
        var directory = _server.Directory;
        _server = await ServerProcess.StartAsync("redis-server", Executable(), Arguments(Port, directory, _extra), directory, PingAsync, TimeSpan.FromSeconds(15));
        Running = true;
    }

    private string[] _extra = [];

    public static async Task<RedisServerProcess> StartAsync(string[] extra)
    {
        var port = FreePort.Next();
        var directory = Directory.CreateTempSubdirectory("nocert-redis-").FullName;
        var server = new RedisServerProcess(port) { _extra = extra };
        server._server = await ServerProcess.StartAsync("redis-server", Executable(), Arguments(port, directory, extra), directory, server.PingAsync, TimeSpan.FromSeconds(15));
        return server;
    }

    private static string Executable() => ServerProcess.Which("redis-server")
        ?? throw new InvalidOperationException("redis-server is not installed; run the README's test command, which installs it (apt-get install redis-server)");

    // Later arguments win: extra settings override the defaults (no persistence).
    private static string[] Arguments(int port, string directory, string[] extra) =>
        ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--daemonize", "no", .. extra];

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }
}

public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
