using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using NoCertHub.Agents.Checking;
using NoCertHub.Agents.Connection;
using NoCertHub.Agents.OnSite;
using NoCertHub.Hosting.Pki;
using NoCertHub.Sdk;
using NoCertHub.Sdk.Seals;
using NoCertHub.V1;

namespace NoCertHub.Agents.Hosting;

/// <summary>
/// Runs one <see cref="DepartmentAgent"/> per configured department, each over its own channel to
/// the hub presenting that department's agent certificate.
/// </summary>
internal sealed class AgentWorker : BackgroundService
{
    private readonly List<GrpcChannel> _channels = [];
    private readonly List<ResultSealer> _sealers = [];
    private readonly AgentMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());
    private readonly Uri? _metricsUrl;
    private Prometheus.KestrelMetricServer? _metricServer;
    private readonly IReadOnlyList<(DepartmentAgent Agent, LegacyDatabase Database)> _agents;

    public AgentWorker(IOptions<AgentOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        var o = options.Value;
        _metricsUrl = o.MetricsUrl;
        var authorities = string.IsNullOrWhiteSpace(o.CaBundle) ? null : NoCertHubChannel.LoadAuthorities(o.CaBundle);
        _agents = o.Departments.Select(d =>
        {
            var certificate = string.IsNullOrWhiteSpace(d.Certificate) ? null : LoadCertificate(d);
            var channel = NoCertHubChannel.ForAddress(o.HubAddress, certificate, authorities);
            _channels.Add(channel);
            var client = new AgentService.AgentServiceClient(channel);
            var database = new LegacyDatabase(d.Database);
            // Unnamed, the agent is the one its certificate was issued to (the hub accepts no other id for it).
            var id = !string.IsNullOrWhiteSpace(d.AgentId) ? d.AgentId
                : certificate is not null ? CertificateSubject.Read(certificate, out _).Name
                : $"{d.Department}-{Environment.MachineName}-{Environment.ProcessId}";
            var workList = d.Items.Values.Any(i => i.OnSite) ? new OnSiteWorkList(d.OnSiteWorkListPath, time) : null;
            // The certificate's holder is the agent: its seal names the id the certificate was issued to.
            var sealer = certificate is null ? null : new ResultSealer(certificate, d.Department, id, time);
            if (sealer is not null)
            {
                _sealers.Add(sealer);
            }

            var agent = new DepartmentAgent(client, d, id, new ClaimChecker(database, d.Items), workList, sealer, _metrics, o, time, loggers.CreateLogger("NoCertHub.Agents." + d.Department));
            return (agent, database);
        }).ToList();
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 LoadCertificate(DepartmentAgentOptions department)
    {
        foreach (var path in new[] { department.Certificate, department.CertificateKey })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"{department.Department}'s agent certificate or key '{path}' is not a file (Agent:Departments:*:Certificate, CertificateKey); issue one with role agent for {department.Department} (docs/security.md)", path);
            }
        }

        return NoCertHubChannel.LoadCertificate(department.Certificate, department.CertificateKey);
    }

    public IEnumerable<DepartmentAgent> Agents => _agents.Select(a => a.Agent);

    public AgentMetrics Metrics => _metrics;

    public override void Dispose()
    {
        _metricServer?.Dispose();
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var sealer in _sealers)
        {
            sealer.Dispose();
        }

        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_metricsUrl is { } url)
        {
            _metricServer = new Prometheus.KestrelMetricServer(url.Host, url.Port, url.AbsolutePath, _metrics.Registry);
            _metricServer.Start();
        }

        foreach (var (_, database) in _agents)
        {
            await database.SeedIfMissingAsync(stoppingToken);
        }

        await Task.WhenAll(_agents.Select(a => a.Agent.RunAsync(stoppingToken)));
    }
}
