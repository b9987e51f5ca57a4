using System.Data.Common;
using System.Security.Cryptography;
using NoCertHub.Hub.Audit;
using NoCertHub.Testing;
using Xunit;

namespace NoCertHub.Hub.Tests.Audit;

/// <summary>
/// The verifier and the checkpoints read the chain in pages straight from SQLite's bytes and hash
/// them on every core; the writer encodes from records. These must agree to the byte, over page
/// boundaries, on every engine's reader.
/// </summary>
[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class AuditChainScanTests : IAsyncLifetime, IDisposable
{
    private const int Records = 70_000;
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-scan-").FullName;
    private readonly AuditChain _chain = new(RandomNumberGenerator.GetBytes(32));
    private AuditChainStore _store = null!;

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "audit.db")};Pooling=False";

    public async Task InitializeAsync()
    {
        _store = new SqliteAudit(ConnectionString, _chain).Chain;
        await _store.EnsureSchemaAsync(CancellationToken.None);
        for (var from = 0; from < Records; from += 5000)
        {
            await _store.AppendAsync(Enumerable.Range(from, 5000).Select(Varied).ToList(), CancellationToken.None);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task RawSqliteReader_GivesTheWritersLeaves_ForEveryShapeOfRecord()
    {
        await AssertScanMatchesRecordsAsync(_store, allCores: true);
        // The checkpoints' way: one core, no read-ahead.
        await AssertScanMatchesRecordsAsync(_store, allCores: false);
    }

    [Fact]
    public async Task GenericReader_GivesTheSameLeaves() =>
        await AssertScanMatchesRecordsAsync(new SqliteAudit(ConnectionString, _chain, new WithoutRawReader(new SqliteAuditDialect())).Chain, allCores: true);

    [Fact]
    public async Task Verifier_FollowsTheChainAcrossPages_AndCatchesASwapOnAPageBoundary()
    {
        var empty = Path.Combine(_directory, "no-checkpoints");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.True((await new AuditVerifier(_store, _chain).VerifyAsync(empty, key, CancellationToken.None)).Intact);

        // 32,768 records a page: swap the last of the first page with the first of the second, edit one deep in the second.
        await SqlAsync("UPDATE audit_log SET seq = -1 WHERE seq = 32768; UPDATE audit_log SET seq = 32768 WHERE seq = 32769; UPDATE audit_log SET seq = 32769 WHERE seq = -1;");
        await SqlAsync("UPDATE audit_log SET officer = 'officer-x' WHERE seq = 60001");
        var result = await new AuditVerifier(_store, _chain).VerifyAsync(empty, key, CancellationToken.None);

        Assert.Equal(Records, result.Records);
        Assert.Equal(["records 32768 and 32769 are swapped: reordered", "record 60001 does not match its chain hash: altered"], result.Findings);
    }

    private async Task AssertScanMatchesRecordsAsync(AuditChainStore store, bool allCores)
    {
        var records = await _store.ReadRangeAsync(1, Records, CancellationToken.None);
        var previous = AuditChain.Genesis.ToArray();
        var chained = new byte[AuditChain.HashSize];
        var seen = 0;
        var pages = 0;
        await foreach (var page in store.ScanChainAsync(1, allCores, CancellationToken.None))
        {
            pages++;
            for (var i = 0; i < page.Count; i++, seen++)
            {
                var record = records[seen];
                Assert.Equal(record.Seq, page.Seq(i));
                Assert.Equal(_chain.Leaf(record.Seq, record), page.Leaf(i).ToArray());
                AuditChain.Chain(previous, page.Leaf(i), chained);
                Assert.Equal(record.ChainHash, page.StoredChainHash(i).ToArray());
                Assert.Equal(record.ChainHash, chained);
                chained.CopyTo(previous, 0);
            }
        }

        Assert.Equal(Records, seen);
        Assert.True(pages >= 3, $"expected the scan to span several pages, got {pages}");
    }

    private Task SqlAsync(string sql) => AuditVerifierTests.TamperAsync(ConnectionString, sql);

    // Nulls, empty strings, Chinese text, a subject without a kind, no subject, late and not.
    private static AuditRecord Varied(int n) => new()
    {
        RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000 + n),
        Kind = (AuditKind)(1 + (n % 5)),
        RequestId = n % 7 == 0 ? null : $"r{n}",
        ItemCode = "JJ-MZ-001",
        SubjectKind = n % 11 == 0 ? null : "Person",
        SubjectId = n % 13 == 0 ? null : $"33100219850312{n % 10000:D4}",
        CaseNumber = n % 3 == 0 ? "" : $"JJ-2026-{n:D8}",
        Purpose = n % 2 == 0 ? "企业开办登记：核验婚姻状况" : "social assistance",
        RequesterDepartment = "jj-market-window",
        Window = n % 5 == 0 ? null : $"window-{n % 200}",
        Officer = $"officer-{n % 50}",
        Verdict = n % 4 == 0 ? null : "Match",
        DisclosedFields = n % 6 == 0 ? "marital_status,spouse_name" : null,
        AnsweringDepartment = "jj-civil-affairs",
        AnsweringAgent = "civil-affairs-01",
        HubInstance = "hub-" + (n % 3),
        Late = n % 9 == 0,
        Reason = n % 8 == 0 ? "item JJ-X-9 is not in the catalog" : null,
        ApplicantDigest = n % 10 == 0 ? null : Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(n % 1000))),
        SubjectRole = n % 10 == 0 ? null : n % 3 == 0 ? "related_party" : "applicant",
    };

    /// <summary>The SQLite dialect with its raw reader turned off, so the store uses the reader every engine has.</summary>
    private sealed class WithoutRawReader(IAuditSqlDialect inner) : IAuditSqlDialect
    {
        public string? OnOpen => inner.OnOpen;
        public IReadOnlyList<string> CreateSchema => inner.CreateSchema;
        public string Insert => inner.Insert;
        public string SchemaCheck => inner.SchemaCheck;
        public string SelectHeadForAppend => inner.SelectHeadForAppend;
        public string SelectRange => inner.SelectRange;
        public string IndexNext => inner.IndexNext;
        public string SelectByRequest => inner.SelectByRequest;
        public string SelectBySubject => inner.SelectBySubject;
        public string SelectSearch => inner.SelectSearch;
        public string DeleteRange => inner.DeleteRange;
        public string SelectWindow => inner.SelectWindow;
        public string SelectDailyLookups => inner.SelectDailyLookups;
        public string InsertFinding => inner.InsertFinding;
        public string SelectFindings => inner.SelectFindings;
        public string SelectFinding => inner.SelectFinding;
        public string CloseFinding => inner.CloseFinding;

        public string InsertFact => inner.InsertFact;

        public string SelectFactsAnswered => inner.SelectFactsAnswered;

        public string CountFactsReceived => inner.CountFactsReceived;

        public string SelectRefusals => inner.SelectRefusals;

        public string SelectFindingsFound => inner.SelectFindingsFound;

        public string SelectOfficerDepartment => inner.SelectOfficerDepartment;

        public string SelectHead => inner.SelectHead;

        public DbConnection CreateConnection(string connectionString) => inner.CreateConnection(connectionString);

        public IAuditChainReader? OpenChainReader(DbConnection connection, long from) => null;

        public int BulkInsertMinimum => inner.BulkInsertMinimum;

        public Task BulkInsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken) =>
            inner.BulkInsertAsync(connection, transaction, rows, cancellationToken);
    }
}
