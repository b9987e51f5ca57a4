using System.Data.Common;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// Every statement the catalog store sends, for one SQL engine: all of one engine's SQL in one
/// place, parsed in tests (T-SQL with ScriptDom).
/// </summary>
internal interface ICatalogSqlDialect
{
    DbConnection CreateConnection(string connectionString);

    string? OnOpen { get; }

    /// <summary>Whether the error is a unique index refusing a duplicate.</summary>
    bool IsUniqueViolation(DbException e);

    IReadOnlyList<string> CreateSchema { get; }

    /// <summary>Takes @Code, @Name; adds the department unless known.</summary>
    string InsertDepartment { get; }

    string SelectDepartments { get; }

    /// <summary>Takes a proposal's columns; adds it and returns its id. Fails on a second pending proposal for a code.</summary>
    string InsertProposal { get; }

    /// <summary>Takes the columns of an approved version 1; adds it unless the code has a version 1 (seeding, any number of hubs at once).</summary>
    string InsertSeedVersion { get; }

    /// <summary>Every approved version.</summary>
    string SelectApproved { get; }

    /// <summary>Takes @Code (null for any) and @IncludeDecided (0/1); oldest first.</summary>
    string SelectProposals { get; }

    /// <summary>Takes @Id.</summary>
    string SelectProposal { get; }

    /// <summary>Takes @Code: the highest approved version (0 when none).</summary>
    string SelectMaxVersion { get; }

    /// <summary>Takes @Id, @State, @Version, @DecidedBy, @DecidedAtUnixMs, @DecisionNote; decides a pending proposal (0 rows when no longer pending).</summary>
    string DecideProposal { get; }

    /// <summary>Takes the violation's columns; returns its id.</summary>
    string InsertViolation { get; }

    /// <summary>Takes @SubjectKind, @SubjectId (upper-cased); every violation of the subject, oldest first.</summary>
    string SelectViolationsOf { get; }

    string SelectViolation { get; }

    /// <summary>Takes @Id, @LiftedOn, @LiftedBy, @LiftReason; lifts an open-ended ban not yet lifted.</summary>
    string LiftViolation { get; }

    /// <summary>Takes the entry's columns; returns its id.</summary>
    string InsertLedger { get; }

    /// <summary>Takes @Department, @CaseNumber (null for any), @Kind (0 for any), @Max; newest first.</summary>
    string SelectLedger { get; }

    /// <summary>Takes @From, @To (Unix ms): (Department, Kind, Count) of the ledger entries recorded in [From, To).</summary>
    string CountLedger { get; }
}
