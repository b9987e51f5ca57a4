using Grpc.Net.Client;
using NoCertHub.Sdk;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;
using Xunit.Abstractions;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// Article 11 timers survive a hub killed with SIGKILL: nothing pending is forgotten, and what
/// fell due while the hub was dead is escalated once after it comes back.
/// </summary>
public sealed class HubCrashTests(ITestOutputHelper output)
{
    private const int PerClass = 1000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public Task KilledHub_OnTheEmbeddedServer_LosesNoTimer_AndEscalatesEachOverdueRequestOnceAfterRestart() =>
        KillAndRestartAsync(redisConnectionString: null);

    [Fact]
    public async Task KilledHub_OnRedisServer_LosesNoTimer_AndEscalatesEachOverdueRequestOnceAfterRestart()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await KillAndRestartAsync(redis.ConnectionString);
    }

    private async Task KillAndRestartAsync(string? redisConnectionString)
    {
        var directory = Directory.CreateTempSubdirectory("nocert-crash-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["Redis:ConnectionString"] = redisConnectionString ?? "",
            ["Redis:KeyPrefix"] = "crash-" + Guid.NewGuid().ToString("N")[..8],
            ["Redis:Embedded:DataDirectory"] = Path.Combine(directory, "redis"),
            ["Audit:ConnectionString"] = $"Data Source={Path.Combine(directory, "audit.db")}",
            ["Sla:Immediate"] = "00:00:01",
            // Long enough that every one-day (records) request is submitted before the kill; due while the hub is dead.
            ["Sla:Records"] = "00:00:25",
            ["Sla:ReminderAt"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        HubProcess? hub = null;
        try
        {
            hub = await HubProcess.StartAsync(directory, settings);
            var immediate = await SubmitAsync(hub.Address, "JJ-MZ-001");
            var records = await SubmitAsync(hub.Address, "JJ-ZG-001");
            var recordsDue = records.Max(r => r.Deadline.ToDateTimeOffset());
            await WaitForEscalationsAsync(hub.Address, "jj-civil-affairs", PerClass);
            Assert.True(DateTimeOffset.UtcNow < recordsDue, "the one-day requests must still be pending at the kill; raise Sla:Records");

            await hub.KillAsync();
            output.WriteLine($"killed with {PerClass} one-day requests pending, due by {recordsDue:O}");
            var wait = recordsDue - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            hub = await HubProcess.StartAsync(directory, settings);
            var land = await WaitForEscalationsAsync(hub.Address, "jj-natural-resources", PerClass);
            // Anything escalated twice would show in the restarted hub's counter by now.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var civil = await WaitForEscalationsAsync(hub.Address, "jj-civil-affairs", PerClass);
            var metrics = await hub.MetricsTextAsync();

            Assert.Equal(records.Select(r => r.RequestId).Order(StringComparer.Ordinal), land.Select(e => e.RequestId).Order(StringComparer.Ordinal));
            Assert.Equal(immediate.Select(r => r.RequestId).Order(StringComparer.Ordinal), civil.Select(e => e.RequestId).Order(StringComparer.Ordinal));
            Assert.Equal(PerClass, MetricsText.Value(metrics, "nocert_sla_escalations_total", "department=\"jj-natural-resources\""));
            Assert.Equal(0, MetricsText.Value(metrics, "nocert_sla_escalations_total", "department=\"jj-civil-affairs\""));
            Assert.All(land, e => Assert.True(e.EscalatedAt.ToDateTimeOffset() >= e.Deadline.ToDateTimeOffset()));

            // The dead hub's routing queue is gone; the restarted hub adopted its requests, so an agent now gets them.
            var agents = await TestAgents.StartAsync(hub.Address, TestAgents.CivilAffairs(directory, "ca-after-crash"));
            await using (new AgentRun(agents))
            {
                var answered = await WaitAsync(async () => (await WaitForEscalationsAsync(hub.Address, "jj-civil-affairs", PerClass)).Count(e => e.AnsweredAt is not null), PerClass);
                Assert.Equal(PerClass, answered);
            }
        }
        catch (Exception) when (hub is not null && Log(hub))
        {
            throw;
        }
        finally
        {
            if (hub is not null)
            {
                await hub.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<IReadOnlyList<Receipt>> SubmitAsync(Uri address, string item)
    {
        using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = address });
        var receipts = new List<Receipt>();
        foreach (var batch in Enumerable.Range(0, PerClass).Chunk(100))
        {
            receipts.AddRange(await Task.WhenAll(batch.Select(i => client.SubmitAsync(new VerificationRequest
            {
                ItemCode = item,
                Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X", Name = "张伟" },
                CaseNumber = $"crash-{item}-{i}",
                Purpose = "hub crash test",
                Requester = new Requester { Department = "jj-e2e-window", Window = "w" + (i % 10), Officer = "officer-e2e" },
            }))));
        }

        return receipts;
    }

    private static async Task<IReadOnlyList<Escalation>> WaitForEscalationsAsync(Uri address, string department, int count)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var oversight = new OversightService.OversightServiceClient(channel);
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            var list = await oversight.ListEscalationsAsync(new ListEscalationsRequest { Department = department, Limit = 1000 });
            if (list.Total >= count)
            {
                return list.Escalations;
            }

            Assert.True(DateTime.UtcNow < until, $"{list.Total} of {count} requests of {department} escalated after {Patience}");
            await Task.Delay(250);
        }
    }

    private static async Task<int> WaitAsync(Func<Task<int>> count, int expected)
    {
        var until = DateTime.UtcNow + Patience;
        int now;
        while ((now = await count()) < expected && DateTime.UtcNow < until)
        {
            await Task.Delay(250);
        }

        return now;
    }

    private bool Log(HubProcess hub)
    {
        output.WriteLine(hub.Output);
        return false;
    }
}
