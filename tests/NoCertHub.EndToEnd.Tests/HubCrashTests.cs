extern alias hub;

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
            ["Sla:SafetyNetInterval"] = "00:00:01",
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
            // Anything escalated twice would be by a sweep: count once the restarted hub has swept again.
            await Poll.ThreeMoreSweepsAsync(hub.MetricsTextAsync);
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

/// <summary>Article 17 under a crash: an answer a window could have seen always has its audit record.</summary>
public sealed class HubCrashAuditTests
{
    [Fact]
    public async Task KilledUnderLoad_NoReceiptIsLost_EveryAnsweredRequestHasItsAuditRecord_AndTheChainHolds()
    {
        var directory = Directory.CreateTempSubdirectory("nocert-crash-audit-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["Redis:KeyPrefix"] = "crash-audit",
            ["Redis:Embedded:DataDirectory"] = Path.Combine(directory, "redis"),
            ["Audit:ConnectionString"] = $"Data Source={Path.Combine(directory, "audit.db")}",
            ["Audit:SubjectKeyPath"] = Path.Combine(directory, "keys", "subject.key"),
            ["Audit:SigningKeyPath"] = Path.Combine(directory, "keys", "signing.pem"),
            ["Audit:CheckpointDirectory"] = Path.Combine(directory, "checkpoints"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        HubProcess? hub = null;
        try
        {
            hub = await HubProcess.StartAsync(directory, settings);
            var receipts = new System.Collections.Concurrent.ConcurrentBag<Receipt>();
            var answered = 0;
            using (var client = new NoCertHubClient(new NoCertHubClientOptions { Address = hub.Address }))
            {
                var agents = await TestAgents.StartAsync(hub.Address, TestAgents.CivilAffairs(directory, "ca-crash-audit"));
                await using (new AgentRun(agents))
                {
                    using var load = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    var submitting = Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
                    {
                        for (var i = 0; i < 400 && !load.IsCancellationRequested; i++)
                        {
                            try
                            {
                                receipts.Add(await client.SubmitAsync(Request(worker, i), load.Token));
                            }
                            catch (Exception e) when (e is NoCertHubException or OperationCanceledException)
                            {
                                return;
                            }
                        }
                    }));

                    // Kill it mid-flight, once answers are flowing.
                    while (receipts.Count < 500 && !submitting.IsCompleted)
                    {
                        await Task.Delay(20);
                    }

                    await hub.KillAsync();
                    await submitting;
                }
            }

            hub = await HubProcess.StartAsync(directory, settings);
            using var after = new NoCertHubClient(new NoCertHubClientOptions { Address = hub.Address });
            var chain = new hub::NoCertHub.Hub.Audit.AuditChain(await File.ReadAllBytesAsync(settings["Audit:SubjectKeyPath"]));
            var database = new hub::NoCertHub.Hub.Audit.AuditDatabase(new hub::NoCertHub.Hub.Audit.SqliteAuditDialect(), settings["Audit:ConnectionString"]);
            var store = new hub::NoCertHub.Hub.Audit.AuditSearchIndex(database);
            var missing = new List<string>();
            var lost = new List<string>();
            foreach (var receipt in receipts)
            {
                RequestStatus status;
                try
                {
                    status = await after.GetAsync(receipt.RequestId);
                }
                catch (RequestNotFoundException)
                {
                    // A receipt promises tracking: the request must be on record after any crash.
                    lost.Add(receipt.RequestId);
                    continue;
                }

                if (status.State == RequestState.Answered)
                {
                    answered++;
                    var records = await store.FindByRequestAsync(receipt.RequestId, CancellationToken.None);
                    if (!records.Any(r => r.Kind is hub::NoCertHub.Hub.Audit.AuditKind.Answered or hub::NoCertHub.Hub.Audit.AuditKind.Late))
                    {
                        missing.Add(receipt.RequestId);
                    }
                }
            }

            using var publicKey = System.Security.Cryptography.ECDsa.Create();
            publicKey.ImportFromPem(await File.ReadAllTextAsync(settings["Audit:SigningKeyPath"]));
            var verification = await new hub::NoCertHub.Hub.Audit.AuditVerifier(new hub::NoCertHub.Hub.Audit.AuditChainStore(database, chain), chain).VerifyAsync(settings["Audit:CheckpointDirectory"], publicKey, CancellationToken.None);

            Assert.True(answered > 0, "nothing was answered before the kill; the test proved nothing");
            Assert.Empty(lost);
            Assert.Empty(missing);
            Assert.True(verification.Intact, string.Join("\n", verification.Findings));
            Assert.True(verification.Records >= answered);
            Assert.True(answered < receipts.Count || receipts.Count < 16 * 400, "the kill should land mid-flight");
        }
        finally
        {
            await HubProcess.DisposeAndDeleteAsync(hub, directory);
        }
    }

    private static VerificationRequest Request(int worker, int i) =>
        TestRequests.MarriageCheck($"crash-audit-{worker}-{i}", "w" + worker, "crash audit test");
}
