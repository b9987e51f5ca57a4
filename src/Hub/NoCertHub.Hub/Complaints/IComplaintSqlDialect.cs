using System.Data.Common;

namespace NoCertHub.Hub.Complaints;

/// <summary>
/// Every statement the complaint store sends, for one SQL engine: all of one engine's SQL in one
/// place, parsed in tests (T-SQL with ScriptDom).
/// </summary>
internal interface IComplaintSqlDialect
{
    DbConnection CreateConnection(string connectionString);

    string? OnOpen { get; }

    IReadOnlyList<string> CreateSchema { get; }

    /// <summary>Takes a complaint's intake columns; adds it as received and returns its id.</summary>
    string Insert { get; }

    /// <summary>Takes @Id, @AssignedTo, @AssignedBy, @AssignedAtUnixMs; (re)assigns a complaint not yet resolved.</summary>
    string Assign { get; }

    /// <summary>Takes @Id, @Finding, @ActionTaken, @ResolvedBy, @ResolvedAtUnixMs; resolves an assigned complaint.</summary>
    string Resolve { get; }

    /// <summary>Takes @Id.</summary>
    string SelectOne { get; }

    /// <summary>Takes @State, @Department, @ComplainantKey, @OverdueAtMs (each null for any) and @Max; newest first.</summary>
    string SelectMatching { get; }

    /// <summary>The same filters as <see cref="SelectMatching"/>, without @Max: how many match.</summary>
    string CountMatching { get; }

    /// <summary>Takes @From, @To (Unix ms): every complaint received in [From, To) (the evaluation's).</summary>
    string SelectReceived { get; }
}
