using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;
using Xunit;

namespace NoCertHub.Hub.Tests.Audit;

/// <summary>
/// A real chained SQLite audit database with signed checkpoints over records 1..60 and 61..100,
/// tampered with the way a database administrator could, then verified.
/// </summary>
public sealed class AuditVerifierTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-verify-").FullName;
    private AuditKeys _keys = null!;
    private AuditChainStore _store = null!;
    private AuditCheckpoints _checkpoints = null!;
    private IOptions<AuditOptions> _options = null!;

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "audit.db")};Pooling=False";

    private string CheckpointDirectory => Path.Combine(_directory, "checkpoints");

    private string ArchiveDirectory => Path.Combine(_directory, "archive");

    public async Task InitializeAsync()
    {
        var options = Options.Create(new AuditOptions
        {
            ConnectionString = ConnectionString,
            SubjectKeyPath = Path.Combine(_directory, "keys", "subject.key"),
            SigningKeyPath = Path.Combine(_directory, "keys", "signing.pem"),
            CheckpointDirectory = CheckpointDirectory,
            ArchiveDirectory = ArchiveDirectory,
            Retention = TimeSpan.FromDays(30),
        });
        _options = options;
        _keys = new AuditKeys(options);
        var chain = new AuditChain(_keys.SubjectKey);
        _store = new SqliteAudit(ConnectionString, chain).Chain;
        await _store.EnsureSchemaAsync(CancellationToken.None);
        _checkpoints = new AuditCheckpoints(_store, _keys, options, Options.Create(new HubOptions { InstanceId = "hub-test" }), new FakeTimeProvider());
        for (var batch = 0; batch < 10; batch++)
        {
            await _store.AppendAsync(Enumerable.Range(batch * 10, 10).Select(Record).ToList(), CancellationToken.None);
            if (batch == 5)
            {
                Assert.Equal((1, 60), Range(await _checkpoints.ExportNextAsync(CancellationToken.None)));
            }
        }

        Assert.Equal((61, 100), Range(await _checkpoints.ExportNextAsync(CancellationToken.None)));
        Assert.Null(await _checkpoints.ExportNextAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Untouched_IsIntact()
    {
        var result = await VerifyAsync();

        Assert.True(result.Intact, string.Join("\n", result.Findings));
        Assert.Equal((100, 2), (result.Records, result.Checkpoints));
    }

    [Fact]
    public async Task EditedField_IsReportedAtItsRecord()
    {
        await SqlAsync("UPDATE audit_log SET purpose = 'personal curiosity' WHERE seq = 17");

        var result = await VerifyAsync();

        Assert.Contains("record 17 does not match its chain hash: altered", result.Findings);
        Assert.Contains(result.Findings, f => f.Contains("records 1..60 are not what checkpoint 1..60 signed", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Findings, f => f.Contains("61..100", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditedSubject_IsCaughtThoughOnlyItsHmacIsChained()
    {
        await SqlAsync("UPDATE audit_log SET subject_id = '331002199007210029' WHERE seq = 80");

        Assert.Contains("record 80 does not match its chain hash: altered", (await VerifyAsync()).Findings);
    }

    [Fact]
    public async Task DeletedRow_IsReportedByPosition()
    {
        await SqlAsync("DELETE FROM audit_log WHERE seq = 42");

        var result = await VerifyAsync();

        Assert.Contains("record 42 is missing: deleted", result.Findings);
        Assert.DoesNotContain(result.Findings, f => f.Contains("record 43", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SwappedContents_AreReportedAsReordered()
    {
        const string Columns = "recorded_at_unix_ms, kind, request_id, item_code, subject_kind, subject_id, case_number, purpose, requester_department, window, officer, verdict, disclosed_fields, answering_department, answering_agent, hub_instance, late, reason";
        await SqlAsync($"""
            CREATE TEMP TABLE t AS SELECT seq, {Columns} FROM audit_log WHERE seq IN (30, 31);
            UPDATE audit_log SET ({Columns}) = (SELECT {Columns} FROM t WHERE t.seq = 61 - audit_log.seq) WHERE seq IN (30, 31);
            """);

        var result = await VerifyAsync();

        Assert.Contains("records 30 and 31 are swapped: reordered", result.Findings);
        Assert.DoesNotContain(result.Findings, f => f.Contains("altered", StringComparison.Ordinal) && f.StartsWith("record ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SwappedRows_AreReportedAsReordered()
    {
        await SqlAsync("UPDATE audit_log SET seq = -1 WHERE seq = 70; UPDATE audit_log SET seq = 70 WHERE seq = 71; UPDATE audit_log SET seq = 71 WHERE seq = -1;");

        var findings = (await VerifyAsync()).Findings;

        Assert.Contains("records 70 and 71 are swapped: reordered", findings);
        Assert.DoesNotContain(findings, f => f.StartsWith("record ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TruncatedTail_IsReported()
    {
        await SqlAsync("DELETE FROM audit_log WHERE seq > 90");

        var result = await VerifyAsync();

        Assert.Contains("records up to 100 are signed in checkpoint 61..100 but the database ends at 90: truncated", result.Findings);
    }

    [Fact]
    public async Task ChainRewrittenConsistently_IsCaughtByTheCheckpoint()
    {
        // An administrator edits a record and recomputes every chain hash after it: the database agrees with itself.
        await SqlAsync("UPDATE audit_log SET officer = 'someone-else' WHERE seq = 65");
        var chain = new AuditChain(_keys.SubjectKey);
        var records = await _store.ReadRangeAsync(1, 1000, CancellationToken.None);
        var previous = records[63].ChainHash!;
        foreach (var r in records.Skip(64))
        {
            previous = AuditChain.Chain(previous, chain.Leaf(r.Seq, r));
            await SqlAsync($"UPDATE audit_log SET chain_hash = X'{Convert.ToHexString(previous)}' WHERE seq = {r.Seq}");
        }

        var result = await VerifyAsync();

        Assert.DoesNotContain(result.Findings, f => f.StartsWith("record ", StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.Contains("records 61..100 are not what checkpoint 61..100 signed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ForgedCheckpoint_IsReported()
    {
        var file = Directory.GetFiles(CheckpointDirectory, "checkpoint-000000000061-*.json").Single();
        var checkpoint = JsonSerializer.Deserialize<AuditCheckpoint>(await File.ReadAllTextAsync(file))!;
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(checkpoint with { MerkleRoot = new string('0', 64) }));

        var result = await VerifyAsync();

        Assert.Contains("checkpoint 61..100: its signature does not verify with the hub's public key: forged or altered checkpoint", result.Findings);
    }

    [Fact]
    public async Task Retention_MovesSignedRangesToTheArchive_AndTheWholeChainStillVerifies()
    {
        var archive = Archive(new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero));

        // 61..100 ends with the newest record, which stays so new records can chain on from it.
        var first = await archive.ArchiveAsync(CancellationToken.None);
        await _store.AppendAsync([.. Enumerable.Range(100, 10).Select(Record)], CancellationToken.None);
        var second = await archive.ArchiveAsync(CancellationToken.None);
        var left = await _store.ReadRangeAsync(1, 1000, CancellationToken.None);
        var result = await VerifyWithArchiveAsync();

        Assert.Equal((60, 40), (first, second));
        Assert.Equal(Enumerable.Range(101, 10).Select(i => (long)i), left.Select(r => r.Seq));
        Assert.True(result.Intact, string.Join("\n", result.Findings));
        Assert.Equal(110, result.Records);
    }

    [Fact]
    public async Task Retention_KeepsWhatIsNotOldEnough()
    {
        // 30 days after the records' time minus one hour: nothing is past retention yet.
        var moved = await Archive(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000).AddDays(30).AddHours(-1)).ArchiveAsync(CancellationToken.None);

        Assert.Equal(0, moved);
        Assert.Equal(100, (await _store.ReadRangeAsync(1, 1000, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task ArchiveAlteredOrRemoved_IsReported()
    {
        await _store.AppendAsync([Record(100)], CancellationToken.None);
        await Archive(new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero)).ArchiveAsync(CancellationToken.None);
        var files = AuditArchive.Ranges(ArchiveDirectory);
        var first = await AuditArchive.ReadAsync(files[0].File, CancellationToken.None);
        await using (var stream = new System.IO.Compression.GZipStream(File.Create(files[0].File), System.IO.Compression.CompressionLevel.Fastest))
        await using (var writer = new StreamWriter(stream))
        {
            foreach (var r in first)
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(r.Seq == 5 ? r with { Officer = "nobody" } : r));
            }
        }

        var altered = await VerifyWithArchiveAsync();
        File.Delete(files[1].File);
        var removed = await VerifyWithArchiveAsync();

        Assert.Contains("archive audit-000000000001-000000000060.jsonl.gz is not what checkpoint 1..60 signed: altered", altered.Findings);
        Assert.Contains("records 61..100 are missing: deleted", removed.Findings);
    }

    [Fact]
    public async Task Export_RefusesToSignOverABrokenChain()
    {
        await _store.AppendAsync([Record(100)], CancellationToken.None);
        await SqlAsync("UPDATE audit_log SET verdict = 'NotFound' WHERE seq = 101");

        var error = await Assert.ThrowsAsync<AuditChainBrokenException>(() => _checkpoints.ExportNextAsync(CancellationToken.None));

        Assert.Equal(101, error.Seq);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _keys.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<AuditVerification> VerifyAsync()
    {
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(await File.ReadAllTextAsync(_checkpoints.PublicKeyPath));
        return await new AuditVerifier(_store, new AuditChain(_keys.SubjectKey)).VerifyAsync(CheckpointDirectory, publicKey, CancellationToken.None);
    }

    private AuditArchive Archive(DateTimeOffset now) =>
        new(_store, new AuditChain(_keys.SubjectKey), _keys, _options, new FakeTimeProvider(now));

    private async Task<AuditVerification> VerifyWithArchiveAsync()
    {
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(await File.ReadAllTextAsync(_checkpoints.PublicKeyPath));
        return await new AuditVerifier(_store, new AuditChain(_keys.SubjectKey)).VerifyAsync(CheckpointDirectory, ArchiveDirectory, publicKey, CancellationToken.None);
    }

    // What a database administrator could do behind the hub's back.
    private Task SqlAsync(string sql) => TamperAsync(ConnectionString, sql);

    internal static async Task TamperAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static (long, long) Range(AuditCheckpoint? c) => c is null ? (0, 0) : (c.From, c.To);

    private static AuditRecord Record(int i) => new()
    {
        RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000 + (i * 1000)),
        Kind = AuditKind.Answered,
        RequestId = "r00-" + i,
        ItemCode = "JJ-MZ-001",
        SubjectKind = "Person",
        SubjectId = "33100219850312001X",
        CaseNumber = "JJ-2026-" + i,
        Purpose = "marriage registration",
        RequesterDepartment = "jj-admin-service-center",
        Window = "w" + (i % 3),
        Officer = "officer-" + (i % 5),
        Verdict = i % 2 == 0 ? "Match" : "Mismatch",
        AnsweringDepartment = "jj-civil-affairs",
        AnsweringAgent = "civil-affairs-01",
        HubInstance = "hub-test",
    };
}
