using NoCertHub.Testing;

namespace NoCertHub.LoadTests;

/// <summary>The servers the harness starts on loopback, through the tests' <see cref="ServerProcess"/>.</summary>
internal static class Servers
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A built .NET server (the hub, the echo server) in its own folder under <paramref name="work"/>.</summary>
    public static Task<ServerProcess> StartDotnetAsync(string name, string dll, IEnumerable<string> arguments, string work, Func<Task<bool>> ready) =>
        File.Exists(dll)
            ? StartAsync(name, "dotnet", [dll, .. arguments], work, ready)
            : throw new InvalidOperationException($"{dll} is not built; run `dotnet build -c Release NoCertHub.sln` first");

    /// <summary>A program in its own folder under <paramref name="work"/> (removed when the server is disposed).</summary>
    public static Task<ServerProcess> StartAsync(string name, string executable, IEnumerable<string> arguments, string work, Func<Task<bool>> ready) =>
        ServerProcess.StartAsync(name, executable, arguments, Folder(work, name), ready, Patience);

    /// <summary>The folder a server of that name runs in (created if need be), for files it needs before it starts.</summary>
    public static string Folder(string work, string name) => Directory.CreateDirectory(Path.Combine(work, name)).FullName;

    public static Task<bool> ListeningAsync(int port) => ServerProcess.ListeningAsync(port);
}
