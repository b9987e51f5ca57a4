using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace NoCertHub.Testing;

/// <summary>
/// A real Prometheus server (Debian's package) on a free loopback port, scraping the given
/// targets every second, for tests of metrics and dashboards. The test command installs it.
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly HttpClient _http;
    private ServerProcess _server = null!;

    private PrometheusProcess(int port)
    {
        Address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _http = new HttpClient { BaseAddress = Address };
    }

    public Uri Address { get; }

    /// <summary>Starts Prometheus scraping each job's targets (host:port and metrics path) every second.</summary>
    public static async Task<PrometheusProcess> StartAsync(IReadOnlyDictionary<string, (string Target, string Path)> jobs)
    {
        var executable = ServerProcess.Which("prometheus")
            ?? throw new InvalidOperationException("prometheus is not installed; run the README's test command, which installs it (apt-get install prometheus)");
        var port = FreePort.Next();
        var directory = Directory.CreateTempSubdirectory("nocert-prometheus-").FullName;
        var config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
            + string.Concat(jobs.Select(j => $"  - job_name: {j.Key}\n    metrics_path: {j.Value.Path}\n    static_configs:\n      - targets: ['{j.Value.Target}']\n"));
        var configFile = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configFile, config);
        var server = new PrometheusProcess(port);
        try
        {
            server._server = await ServerProcess.StartAsync("prometheus", executable,
                [
                    "--config.file=" + configFile, "--storage.tsdb.path=" + Path.Combine(directory, "data"),
                    "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "--log.level=warn",
                ],
                directory, server.ReadyAsync, TimeSpan.FromSeconds(30));
        }
        catch
        {
            server._http.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>Runs an instant query; returns the result vector (or matrix/scalar) as JSON, or throws with Prometheus's error.</summary>
    public async Task<JsonElement> QueryAsync(string query)
    {
        using var response = await _http.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"query failed: {query}: {body.GetProperty("error").GetString()}");
        }

        return body.GetProperty("data").GetProperty("result");
    }

    /// <summary>Whether the job's last scrape succeeded.</summary>
    public async Task<bool> TargetUpAsync(string job)
    {
        var result = await QueryAsync($"up{{job=\"{job}\"}}");
        return result.GetArrayLength() > 0 && result[0].GetProperty("value")[1].GetString() == "1";
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<bool> ReadyAsync()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("-/ready", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
