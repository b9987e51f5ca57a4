using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Hosting;

/// <summary>
/// The order a hub starts in, so that a start that cannot succeed touches nothing durable: first the
/// data folder's lock, then the configured ports, and only then the stores (Garnet recovers its
/// append-only file, SQLite opens its databases) and the server.
/// </summary>
internal static class HubStartup
{
    /// <summary>
    /// Builds the hub: checks its security configuration (<see cref="TransportSecurityException"/>), takes its data folder (<see cref="NoCertHub.Hosting.DataFolderInUseException"/> if another hub holds
    /// it), checks that every configured endpoint's port is free (<see cref="EndpointInUseException"/>), and maps
    /// its services. Nothing under the data folder is opened before both checks pass.
    /// </summary>
    public static WebApplication BuildHub(this WebApplicationBuilder builder)
    {
        TransportSecurity.Check(builder.Configuration);
        builder.AddTransportSecurity();
        var app = builder.Build();
        try
        {
            app.Services.GetRequiredService<HubDataFolder>();
            EnsureEndpointsFree(builder.Configuration);
            app.MapNoCertHub();
            WarnAboutSecurity(app);
            return app;
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
    }

    private static void WarnAboutSecurity(WebApplication app)
    {
        var security = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SecurityOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("NoCertHub.Hub.Security");
        if (security.Mode == SecurityMode.InsecureLoopback)
        {
            IdentityLog.Insecure(logger);
        }
        else if (string.IsNullOrWhiteSpace(security.RevocationList))
        {
            IdentityLog.NoRevocationList(logger);
        }
    }

    /// <summary>
    /// Binds and releases each port named under Kestrel:Endpoints, so a port held by another process
    /// (a hub started twice) is refused before any store is opened. Kestrel binds for real once the
    /// stores are up; a process taking the port in between still makes the start fail there, with the
    /// stores closed cleanly behind this hub's lock.
    /// </summary>
    private static void EnsureEndpointsFree(ConfigurationManager configuration)
    {
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            var url = endpoint["Url"];
            if (url is null || ListenAddress(url) is not { Port: > 0 } address)
            {
                continue;
            }

            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(address);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                throw new EndpointInUseException(endpoint.Key, url, e);
            }
        }
    }

    /// <summary>
    /// The address a Kestrel URL listens on: an address as written (a wildcard as 0.0.0.0), loopback
    /// for a loopback name; null for any other host name, which Kestrel resolves itself, or no URL.
    /// </summary>
    internal static IPEndPoint? ListenAddress(string url)
    {
        // Kestrel's wildcard hosts are not valid URIs as they stand.
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Port < 0)
        {
            return null;
        }

        var ip = IPAddress.TryParse(uri.Host.Trim('[', ']'), out var parsed) ? parsed : uri.IsLoopback ? IPAddress.Loopback : null;
        return ip is null ? null : new IPEndPoint(ip, uri.Port);
    }
}

/// <summary>A port the hub is configured to listen on is already taken by another process.</summary>
internal sealed class EndpointInUseException(string name, string url, Exception inner)
    : IOException(string.Create(CultureInfo.InvariantCulture,
        $"Kestrel:Endpoints:{name} ({url}) is in use by another process, perhaps a hub already running. Nothing was opened; stop that process or set Kestrel__Endpoints__{name}__Url to a free port."), inner);
