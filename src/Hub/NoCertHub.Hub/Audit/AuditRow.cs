using System.Data.Common;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// The audit_log table's columns and the one mapping between its rows and <see cref="AuditRecord"/>:
/// both engines' dialects take their select and insert lists from here, the stores read and write
/// rows through it, and the chain readers rely on its column order.
/// </summary>
internal static class AuditRow
{
    /// <summary>Column names (as in the table) in row order; <see cref="Parameters"/> names the same columns for the insert.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "seq", "chain_hash", "recorded_at_unix_ms", "kind", "request_id", "item_code", "subject_kind", "subject_id", "case_number",
        "purpose", "requester_department", "window", "officer", "verdict", "disclosed_fields", "answering_department",
        "answering_agent", "hub_instance", "late", "reason", "applicant_digest", "subject_role", "seal",
    ];

    /// <summary>The insert's parameter names (without '@'), in row order.</summary>
    public static readonly IReadOnlyList<string> Parameters =
    [
        "Seq", "ChainHash", "RecordedAtUnixMs", "Kind", "RequestId", "ItemCode", "SubjectKind", "SubjectId", "CaseNumber",
        "Purpose", "RequesterDepartment", "Window", "Officer", "Verdict", "DisclosedFields", "AnsweringDepartment",
        "AnsweringAgent", "HubInstance", "Late", "Reason", "ApplicantDigest", "SubjectRole", "Seal",
    ];

    /// <summary>Ordinals the raw chain readers use.</summary>
    public const int Seq = 0, ChainHash = 1, RecordedAt = 2, Kind = 3, SubjectKind = 6, SubjectId = 7, Late = 18;

    /// <summary>
    /// The text columns in the chain encoding's order (<see cref="AuditChain.TextFields"/>): every
    /// one but subject_id, which is hashed apart, and late, which closes the record.
    /// </summary>
    public static readonly int[] ChainTextColumns = [4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21, 22];

    /// <summary>Every column, bracket-quoted (<c>window</c> is reserved in T-SQL; SQLite reads brackets too), for a select list.</summary>
    public static readonly string SelectList = string.Join(", ", Columns.Select(c => $"[{c}]"));

    /// <summary>"INSERT INTO <paramref name="table"/> (columns) VALUES (@parameters)".</summary>
    public static string Insert(string table) =>
        $"INSERT INTO {table} ({SelectList}) VALUES ({string.Join(", ", Parameters.Select(p => "@" + p))})";

    /// <summary>The row's values in column order, into <paramref name="values"/> (null for SQL NULL).</summary>
    public static void Write(AuditRecord r, long seq, byte[] chainHash, object?[] values)
    {
        values[0] = seq;
        values[1] = chainHash;
        values[2] = r.RecordedAt.ToUnixTimeMilliseconds();
        values[3] = (int)r.Kind;
        values[4] = r.RequestId;
        values[5] = r.ItemCode;
        values[6] = r.SubjectKind;
        values[7] = r.SubjectId;
        values[8] = r.CaseNumber;
        values[9] = r.Purpose;
        values[10] = r.RequesterDepartment;
        values[11] = r.Window;
        values[12] = r.Officer;
        values[13] = r.Verdict;
        values[14] = r.DisclosedFields;
        values[15] = r.AnsweringDepartment;
        values[16] = r.AnsweringAgent;
        values[17] = r.HubInstance;
        values[18] = r.Late;
        values[19] = r.Reason;
        values[20] = r.ApplicantDigest;
        values[21] = r.SubjectRole;
        values[22] = r.Seal;
    }

    /// <summary>The reader's current row, selected through <see cref="SelectList"/>, as a record.</summary>
    public static AuditRecord Read(DbDataReader reader) => new()
    {
        Seq = reader.GetInt64(0),
        ChainHash = (byte[])reader.GetValue(1),
        RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
        Kind = (AuditKind)reader.GetInt32(3),
        RequestId = Text(reader, 4),
        ItemCode = Text(reader, 5),
        SubjectKind = Text(reader, 6),
        SubjectId = Text(reader, 7),
        CaseNumber = Text(reader, 8),
        Purpose = Text(reader, 9),
        RequesterDepartment = Text(reader, 10),
        Window = Text(reader, 11),
        Officer = Text(reader, 12),
        Verdict = Text(reader, 13),
        DisclosedFields = Text(reader, 14),
        AnsweringDepartment = Text(reader, 15),
        AnsweringAgent = Text(reader, 16),
        HubInstance = reader.GetString(17),
        Late = reader.GetBoolean(18),
        Reason = Text(reader, 19),
        ApplicantDigest = Text(reader, 20),
        SubjectRole = Text(reader, 21),
        Seal = Text(reader, 22),
    };

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
