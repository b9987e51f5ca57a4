using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using NoCertHub.Agents.Hosting;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// A department agent and its legacy database going wrong: the database going away under load and
/// coming back, and a query that names a column the database does not have. A real hub, a real
/// agent process's worker, a real SQLite file.
/// </summary>
public sealed class AgentDatabaseTests(SharedGarnet redis) : IClassFixture<SharedGarnet>, IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-agentdb-").FullName;
    private readonly CapturingLoggerProvider _hubLogs = new();
    private readonly CapturingLoggerProvider _agentLogs = new();
    private WebApplication _hub = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _hub = await TestHub.StartAsync(_directory, redis.ConnectionString, "agentdb-" + Guid.NewGuid().ToString("N")[..8], port: 0, logging: b => b.AddProvider(_hubLogs));
        _channel = GrpcChannel.ForAddress(TestHub.AddressOf(_hub));
    }

    [Fact]
    public async Task ADatabaseThatGoesAway_GivesEachTaskBackOnce_WarnsOnce_AndItsRequestsAreAnsweredWhenItComesBack()
    {
        var options = TestAgents.CivilAffairs(_directory, "ca-outage");
        // Unpooled: a pooled connection would keep reading the moved file through its open handle.
        options.Database.ConnectionString += ";Pooling=False";
        var file = Path.Combine(_directory, "legacy", "civil-affairs-ca-outage.db");
        await using var agents = new AgentRun(await StartAsync(options));
        var window = new VerificationService.VerificationServiceClient(_channel);
        Assert.Equal(Verdict.Match, (await window.VerifyAsync(new VerifyRequest { Request = HostileInputTests.Request() })).Verdict);

        // The database goes away: the file is gone, and the agent may not create a new one.
        options.Database.ConnectionString += ";Mode=ReadWrite";
        File.Move(file, file + ".away");
        var receipts = new List<Receipt>();
        for (var i = 0; i < 3; i++)
        {
            receipts.Add(await window.SubmitAsync(new SubmitRequest { Request = HostileInputTests.Request() }));
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        var releasedDuringOutage = Released();
        var warnings = _agentLogs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        File.Move(file + ".away", file);
        var answers = await Task.WhenAll(receipts.Select(r => Poll.UntilAsync(
            async () => (await window.GetAsync(new GetRequest { RequestId = r.RequestId })).Result,
            result => result is not null)));

        // Each of the three went back at most once (an agent stepping away sends what it has, then goes).
        Assert.InRange(releasedDuringOutage, 1, 3);
        Assert.Equal(releasedDuringOutage, Released());
        var warning = Assert.Single(warnings);
        Assert.Contains("the department database does not answer", warning.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(_agentLogs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Contains(_agentLogs.Entries, e => e.Text.Contains("answers again after", StringComparison.Ordinal));
        Assert.All(answers, a => Assert.Equal(Verdict.Match, a!.Verdict));
    }

    [Fact]
    public async Task AQueryThatCannotRun_IsFoundAtStart_ItsItemIsNotOffered_AndTheOthersAre()
    {
        var options = TestAgents.PublicSecurity(_directory, "ps-badquery");
        // The query runs, but the field names a column it does not return.
        options.Items["JJ-GA-002"].Fields["household_address"] = "home_address";
        var noTable = TestAgents.CivilAffairs(_directory, "ca-notable");
        noTable.Items["JJ-MZ-001"].Query = "SELECT full_name, marital_status FROM marriages WHERE id_number = @SubjectId";
        await using var agents = new AgentRun(await StartAsync(options));
        var window = new VerificationService.VerificationServiceClient(_channel);
        var criminal = HostileInputTests.Request();
        criminal.ItemCode = "JJ-GA-001";
        criminal.Claims.Clear();

        var offered = await window.VerifyAsync(new VerifyRequest { Request = criminal });
        var notOffered = HostileInputTests.Request();
        notOffered.ItemCode = "JJ-GA-002";
        notOffered.Claims.Clear();
        notOffered.Claims["name"] = "张伟";
        var waiting = await window.SubmitAsync(new SubmitRequest { Request = notOffered });
        await Task.Delay(TimeSpan.FromSeconds(1));
        var unanswered = await window.GetAsync(new GetRequest { RequestId = waiting.RequestId });

        var worker = new Agents.Hosting.AgentWorker(Options.Create(Configured(noTable)), TimeProvider.System, LoggerFactory.Create(b => b.AddProvider(_agentLogs)));
        await worker.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(() => Task.FromResult(_agentLogs.Entries.Count(e => e.Text.Contains("has no item whose query can run", StringComparison.Ordinal))), n => n == 1);
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();

        Assert.NotEqual(Verdict.Unspecified, offered.Verdict);
        Assert.Null(unanswered.Result);
        var refused = Assert.Single(_agentLogs.Entries, e => e.Text.Contains("does not offer item JJ-GA-002", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, refused.Level);
        Assert.Contains("no column 'home_address'", refused.Text, StringComparison.Ordinal);
        var noSuchTable = Assert.Single(_agentLogs.Entries, e => e.Text.Contains("does not offer item JJ-MZ-001", StringComparison.Ordinal));
        Assert.Contains("no such table: marriages", noSuchTable.Text, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await TestHub.StopAsync(_hub);
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose()
    {
        _hubLogs.Dispose();
        _agentLogs.Dispose();
    }

    private int Released() => _hubLogs.Entries.Count(e => e.Text.Contains("gave back request", StringComparison.Ordinal));

    private AgentOptions Configured(DepartmentAgentOptions department)
    {
        var options = new AgentOptions { HubAddress = TestHub.AddressOf(_hub), ReconnectMin = TimeSpan.FromMilliseconds(50), ReconnectMax = TimeSpan.FromSeconds(1) };
        options.Departments.Add(department);
        return options;
    }

    private async Task<AgentWorker> StartAsync(DepartmentAgentOptions department)
    {
        var worker = new AgentWorker(Options.Create(Configured(department)), TimeProvider.System, LoggerFactory.Create(b => b.AddProvider(_agentLogs)));
        await worker.StartAsync(CancellationToken.None);
        await Task.WhenAll(worker.Agents.Select(a => a.Welcomed.Task)).WaitAsync(TimeSpan.FromSeconds(15));
        return worker;
    }
}
