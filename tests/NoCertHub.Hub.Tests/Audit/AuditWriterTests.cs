using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;
using Xunit;

namespace NoCertHub.Hub.Tests.Audit;

public sealed class AuditWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-audit-").FullName;

    internal static readonly AuditChain Chain = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "audit.db")};Pooling=False";

    [Fact]
    public async Task WriteAsync_ManyConcurrentRecords_AllCommittedWhenTheirTasksComplete()
    {
        var writer = new AuditWriter(new SqliteAudit(ConnectionString, Chain).Chain, Options.Create(new AuditOptions { MaxBatch = 64 }), NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => writer.WriteAsync(Record($"r{i}", "33100219850312001X"), CancellationToken.None)));

        // A fresh store on the same file sees every record: they are on disk, not in a buffer.
        var reopened = new SqliteAudit(ConnectionString, Chain).Search;
        var found = await reopened.FindBySubjectAsync("33100219850312001X", 1000, CancellationToken.None);
        Assert.Equal(500, found.Count);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"r{i}").Order(), found.Select(r => r.RequestId!).Order());
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task FindByRequest_ReturnsEveryFieldAsWritten()
    {
        var audit = new SqliteAudit(ConnectionString, Chain);
        var store = audit.Chain;
        await store.EnsureSchemaAsync(CancellationToken.None);
        var record = Record("r-1", "331002199007210029") with { Late = true, DisclosedFields = "household_address", Reason = null };

        await store.AppendAsync([record], CancellationToken.None);

        var read = Assert.Single(await audit.Search.FindByRequestAsync("r-1", CancellationToken.None));
        Assert.Equal(record, read with { Seq = 0, ChainHash = null });
        Assert.Equal(1, read.Seq);
        Assert.Equal(AuditChain.Chain(AuditChain.Genesis, Chain.Leaf(1, record)), read.ChainHash);
    }

    [Fact]
    public async Task Append_KeepsEveryText_AsWritten_EmptyApartFromMissing()
    {
        var audit = new SqliteAudit(ConnectionString, Chain);
        var store = audit.Chain;
        await store.EnsureSchemaAsync(CancellationToken.None);
        var records = new[]
        {
            Record("r-empty", "331002199007210029") with { Purpose = "", DisclosedFields = "", Reason = null, SubjectRole = "" },
            Record("r-chinese", "33100219850312001X") with { Officer = "王芳", Purpose = "婚姻登记（补领）", CaseNumber = "椒江-2026-0001", Reason = "户籍地址 𠀋 不符" },
            Record("r-missing", "33100219850312001X") with { SubjectKind = null, SubjectId = null, Verdict = null, ApplicantDigest = null },
        };

        await store.AppendAsync(records, CancellationToken.None);

        foreach (var record in records)
        {
            var read = Assert.Single(await audit.Search.FindByRequestAsync(record.RequestId!, CancellationToken.None));
            Assert.Equal(record, read with { Seq = 0, ChainHash = null });
        }
    }

    [Fact]
    public async Task WriteAsync_StoreUnreachable_FailsTheCallerInsteadOfPretending()
    {
        var writer = new AuditWriter(new SqliteAudit(ConnectionString, Chain).Chain, Options.Create(new AuditOptions()), NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        // Make the table unwritable: rename it away under the writer.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE audit_log RENAME TO audit_log_gone";
            await command.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<AuditUnavailableException>(() => writer.WriteAsync(Record("r-x", "331002199007210029"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task IndexPending_CatchesUpOverSeveralPages_ThenHasNothingLeft_AndSearchesFindTheLastPage()
    {
        var audit = new SqliteAudit(ConnectionString, Chain);
        var store = audit.Chain;
        await store.EnsureSchemaAsync(CancellationToken.None);
        const int Records = 12_345;
        for (var from = 0; from < Records; from += 1000)
        {
            await store.AppendAsync(
                Enumerable.Range(from, Math.Min(1000, Records - from)).Select(i => Record($"r{i}", i == Records - 1 ? "331002199007210029" : "33100219850312001X") with { Officer = $"officer-{i % 7}" }).ToList(),
                CancellationToken.None);
        }

        var first = await audit.Search.IndexPendingAsync(CancellationToken.None);
        var second = await audit.Search.IndexPendingAsync(CancellationToken.None);

        Assert.Equal((Records, 0), (first, second));
        var last = Assert.Single(await audit.Search.FindBySubjectAsync("331002199007210029", 10, CancellationToken.None));
        Assert.Equal(($"r{Records - 1}", (long)Records, "officer-" + ((Records - 1) % 7)), (last.RequestId, last.Seq, last.Officer));
        Assert.Equal(Records - 1, (await audit.Search.FindBySubjectAsync("33100219850312001X", 20_000, CancellationToken.None)).Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static AuditRecord Record(string requestId, string subject) => new()
    {
        RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000),
        Kind = AuditKind.Answered,
        RequestId = requestId,
        ItemCode = "JJ-MZ-001",
        SubjectKind = "Person",
        SubjectId = subject,
        CaseNumber = "JJ-2026-0001",
        Purpose = "marriage registration",
        RequesterDepartment = "jj-admin-service-center",
        Window = "w1",
        Officer = "officer-1",
        Verdict = "Match",
        AnsweringDepartment = "jj-civil-affairs",
        AnsweringAgent = "civil-affairs-01",
        HubInstance = "hub-1",
    };
}
