using System.Globalization;
using NoCertHub.Testing;

namespace NoCertHub.LoadTests;

/// <summary>
/// The proxy baseline (issue 7's anchor: "the same client through nginx grpc_pass"): nginx in front
/// of the bare echo server, relaying each call as a gRPC-aware proxy does (reads the window's
/// HTTP/2 stream, opens one to the upstream, copies the answer back) and doing nothing else. It
/// shows what one hop through a well-built relay costs on this machine, next to which the hub's
/// hops (window → hub → agent → hub → window, plus Redis and the audit) can be read.
/// </summary>
internal static class Proxy
{
    private const string Name = "nginx";

    /// <summary>nginx on a free loopback port, relaying to <paramref name="upstream"/>, its files in its own folder under <paramref name="work"/>.</summary>
    public static async Task<(ServerProcess Server, Uri Address)> StartNginxAsync(string nginx, Uri upstream, string work)
    {
        var port = FreePort.Next();
        // Its folder is the server's own (removed with it): configuration, pid, error log, temp files.
        var folder = Servers.Folder(work, Name);
        var config = Path.Combine(folder, "nginx.conf");
        // One worker per core (nginx's own advice); no access log (the echo keeps none either);
        // upstream connections kept open and reused, as a production gRPC relay is configured, so
        // the row measures relaying, not connection set-up; connections from the window are never
        // closed after a number of requests (nginx's default closes them every 1,000).
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            worker_processes auto;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 8192; }
            http {
              access_log off;
              client_body_temp_path {{folder}}/body;
              proxy_temp_path {{folder}}/proxy;
              fastcgi_temp_path {{folder}}/fastcgi;
              uwsgi_temp_path {{folder}}/uwsgi;
              scgi_temp_path {{folder}}/scgi;
              upstream echo {
                server {{upstream.Host}}:{{upstream.Port}};
                keepalive 1024;
                keepalive_requests 100000000;
              }
              server {
                listen 127.0.0.1:{{port}} http2;
                keepalive_requests 100000000;
                location / { grpc_pass grpc://echo; }
              }
            }
            """));
        var server = await Servers.StartAsync(Name, nginx, ["-c", config, "-p", folder + "/", "-e", Path.Combine(folder, "error.log")], work,
            () => Servers.ListeningAsync(port));
        return (server, new Uri($"http://127.0.0.1:{port}"));
    }
}
