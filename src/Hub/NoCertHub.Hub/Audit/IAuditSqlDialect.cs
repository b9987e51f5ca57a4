using System.Data.Common;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// Every statement an audit store sends, for one SQL engine. The store's logic is shared; only
/// the text differs, so all of one engine's SQL can be read (and parsed in tests) in one place.
/// </summary>
internal interface IAuditSqlDialect
{
    DbConnection CreateConnection(string connectionString);

    /// <summary>Run once on each opened connection, or null.</summary>
    string? OnOpen { get; }

    IReadOnlyList<string> CreateSchema { get; }

    /// <summary>Selects nothing, but fails on an audit table older than the current encoding (one without its newest columns).</summary>
    string SchemaCheck { get; }

    /// <summary>
    /// A reader of the chained table from <paramref name="from"/> on that skips the provider's
    /// per-value objects, or null to use the generic one over <see cref="SelectRange"/>.
    /// </summary>
    IAuditChainReader? OpenChainReader(DbConnection connection, long from);

    /// <summary>Takes one row's <see cref="AuditRow.Parameters"/>.</summary>
    string Insert { get; }

    /// <summary>
    /// The smallest batch <see cref="BulkInsertAsync"/> is worth its cost for; int.MaxValue where
    /// the prepared per-row <see cref="Insert"/> is always the faster way for this engine.
    /// </summary>
    int BulkInsertMinimum { get; }

    /// <summary>
    /// Writes a batch of audit_log rows (values in <see cref="AuditRow.Columns"/> order) in one bulk
    /// operation inside the transaction.
    /// </summary>
    Task BulkInsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken);

    /// <summary>The last record's Seq and ChainHash, locking the chain's end until the transaction ends.</summary>
    string SelectHeadForAppend { get; }

    /// <summary>Takes @From and @Max: records from that position on, in chain order.</summary>
    string SelectRange { get; }

    /// <summary>
    /// Takes @Max: copies the searchable fields of up to that many records after the last one the
    /// search index holds into it, in chain order, inside the database (no row travels to the hub);
    /// returns (as rows affected) how many it added.
    /// </summary>
    string IndexNext { get; }

    string SelectByRequest { get; }

    /// <summary>Takes @SubjectId and @Max.</summary>
    string SelectBySubject { get; }

    /// <summary>
    /// Takes @SubjectId, @Officer, @Department, @CaseNumber (each null for any), @FromMs, @ToMs
    /// (recorded_at range, end exclusive), @BeforeSeq and @Max; newest first.
    /// </summary>
    string SelectSearch { get; }

    /// <summary>Takes @From and @To: removes that range of positions (archived first).</summary>
    string DeleteRange { get; }

    /// <summary>Takes @FromMs, @ToMs, @AfterSeq, @Max: records in a time range, in chain order.</summary>
    string SelectWindow { get; }

    /// <summary>
    /// Takes @FromMs, @ToMs, @OffsetMs: lookups (answered or late) per officer per district day
    /// (Officer, Day as days since the epoch in district time, Count).
    /// </summary>
    string SelectDailyLookups { get; }

    /// <summary>Takes the finding's fields; adds it unless the same (rule, officer, day, subject) is on record.</summary>
    string InsertFinding { get; }

    /// <summary>Takes @IncludeClosed (0/1), @Rule, @Officer (null for any), @Max; newest first.</summary>
    string SelectFindings { get; }

    /// <summary>Takes @Id; one finding.</summary>
    string SelectFinding { get; }

    /// <summary>Takes @Id, @State (upheld or not_upheld), @Resolution, @ClosedBy, @ClosedAtUnixMs; closes an open finding.</summary>
    string CloseFinding { get; }

    /// <summary>Takes <see cref="AnswerFacts.Parameters"/>; one answer's facts (Evaluation).</summary>
    string InsertFact { get; }

    /// <summary>Takes @From, @To (Unix ms): the facts of answers given in [From, To).</summary>
    string SelectFactsAnswered { get; }

    /// <summary>Takes @From, @To: (Key = answering department, Count) of answers to requests received in [From, To).</summary>
    string CountFactsReceived { get; }

    /// <summary>Takes @From, @To: (Department, Reason) of every refusal recorded in [From, To), through audit_index.</summary>
    string SelectRefusals { get; }

    /// <summary>Takes @From, @To: (Officer, State) of the misuse findings found in [From, To).</summary>
    string SelectFindingsFound { get; }

    /// <summary>Takes @Officer: a department the officer's lookups were made for (audit_index), or none.</summary>
    string SelectOfficerDepartment { get; }

    /// <summary>The chain's last position and hash (Seq, ChainHash), without a lock; none when empty.</summary>
    string SelectHead { get; }
}

/// <summary>Reads the chained table in order into leaf pages, through one open statement.</summary>
internal interface IAuditChainReader : IDisposable
{
    /// <summary>Adds up to <paramref name="max"/> records to the page; fewer means the chain's end.</summary>
    int Read(AuditLeafPage page, int max);
}
