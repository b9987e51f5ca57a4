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

    string Insert { get; }

    string SelectByRequest { get; }

    /// <summary>Takes @SubjectId and @Max.</summary>
    string SelectBySubject { get; }
}
