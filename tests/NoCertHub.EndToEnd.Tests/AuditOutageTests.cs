extern alias hub;

using Grpc.Net.Client;
using Microsoft.Data.Sqlite;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// The audit store stops taking records mid-load (another process holds its write lock, as a
/// backup tool or a stuck migration would) and comes back: no answer reaches a window without its
/// record, the hub says so, and everything accepted is answered and recorded once the store is back.
/// </summary>
public sealed class AuditOutageTests(SharedGarnet redis) : IClassFixture<SharedGarnet>, IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-auditoutage-").FullName;
    private WebApplication _hub = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _hub = await TestHub.StartAsync(_directory, redis.ConnectionString, "auditoutage-" + Guid.NewGuid().ToString("N")[..8], port: 0);
        _channel = GrpcChannel.ForAddress(TestHub.AddressOf(_hub));
    }

    [Fact]
    public async Task AnAuditStoreThatStopsTakingRecords_HoldsEveryAnswerBack_AndTheyAreAnsweredAndRecordedWhenItIsBack()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), TestAgents.CivilAffairs(_directory, "ca-auditoutage")));
        var window = new VerificationService.VerificationServiceClient(_channel);
        Assert.Equal(Verdict.Match, (await window.VerifyAsync(new VerifyRequest { Request = HostileInputTests.Request() })).Verdict);

        // Another writer takes the audit database's write lock and keeps it.
        await using var holder = new SqliteConnection($"Data Source={Path.Combine(_directory, "audit.db")}");
        await holder.OpenAsync();
        var lockIt = holder.CreateCommand();
        lockIt.CommandText = "BEGIN EXCLUSIVE";
        await lockIt.ExecuteNonQueryAsync();
        var receipts = new List<Receipt>();
        for (var i = 0; i < 5; i++)
        {
            receipts.Add(await window.SubmitAsync(new SubmitRequest { Request = HostileInputTests.Request() }));
        }

        // The agent answers at once; each answer waits for its record, which the store refuses (after its 5 s busy wait).
        await Poll.UntilAsync(() => Task.FromResult(Failures()), n => n >= 1);
        var duringOutage = new List<VerificationResult?>();
        foreach (var receipt in receipts)
        {
            duringOutage.Add((await window.GetAsync(new GetRequest { RequestId = receipt.RequestId })).Result);
        }

        var rollback = holder.CreateCommand();
        rollback.CommandText = "ROLLBACK";
        await rollback.ExecuteNonQueryAsync();
        var answered = await Task.WhenAll(receipts.Select(r => Poll.UntilAsync(
            async () => (await window.GetAsync(new GetRequest { RequestId = r.RequestId })).Result, result => result is not null)));

        var services = _hub.Services;
        var index = services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>();
        await index.IndexPendingAsync(CancellationToken.None);
        var records = new List<IReadOnlyList<hub::NoCertHub.Hub.Audit.AuditRecord>>();
        foreach (var receipt in receipts)
        {
            records.Add(await index.FindByRequestAsync(receipt.RequestId, CancellationToken.None));
        }

        var chain = await TestHub.VerifyAuditAsync(_hub, _directory);

        Assert.All(duringOutage, Assert.Null);
        Assert.All(answered, a => Assert.Equal(Verdict.Match, a!.Verdict));
        // Each answer has exactly one Answered record: the refused attempts left none behind.
        Assert.All(records, r => Assert.Single(r, x => x.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Answered));
        Assert.True(chain.Intact, string.Join("; ", chain.Findings));
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await TestHub.StopAsync(_hub);
        Directory.Delete(_directory, recursive: true);
    }

    private double Failures() => MetricsText.Value(MetricsText.Of(_hub), "nocert_store_errors_total", "store=\"audit\"");
}
