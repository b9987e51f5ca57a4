using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using NoCertHub.V1;

namespace NoCertHub.Agents.OnSite;

/// <summary>An officer's answer ready to go to the hub, with the task's item and subject (what its seal covers besides the answer).</summary>
internal sealed record AnsweredTask(TaskResult Result, string ItemCode, Subject Subject);

/// <summary>A task waiting for, or answered by, an officer's on-site check.</summary>
internal sealed record OnSiteTask(
    string RequestId, string ItemCode, string SubjectKind, string SubjectId, string SubjectName, string CaseNumber, string Purpose,
    string RequesterDepartment, string RequesterOfficer, string AuthorizationRef, IReadOnlyDictionary<string, string> Claims,
    IReadOnlyList<string> DisclosableFields, DateTimeOffset Deadline, DateTimeOffset ReceivedAt, string? Verdict, string? CheckedBy);

/// <summary>
/// A street office's list of on-site checks (Art. 13-14): the agent files each on-site task here
/// instead of answering it, an officer goes out, checks, and records the outcome (the agent's
/// <c>onsite answer</c> command), and the agent sends the answer, naming the officer. A SQLite file
/// per department, shared by the agent and the command; a task delivered again after a reconnect
/// is filed once.
/// </summary>
internal sealed class OnSiteWorkList(string path, TimeProvider time)
{
    private static readonly string[] Verdicts = ["match", "mismatch", "not-found", "needs-supplement", "refused"];

    public string Path { get; } = path;

    /// <summary>
    /// Files a task. One delivered again (the stream broke before the hub took its answer) keeps
    /// its officer's outcome, which is then sent again.
    /// </summary>
    public async Task AddAsync(VerificationTask task, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT OR IGNORE INTO onsite_task (request_id, item_code, subject_kind, subject_id, subject_name, case_number, purpose, requester_department,
                requester_officer, authorization_ref, claims_json, disclosable_json, deadline_unix_ms, received_at_unix_ms)
            VALUES (@RequestId, @ItemCode, @SubjectKind, @SubjectId, @SubjectName, @CaseNumber, @Purpose, @RequesterDepartment,
                @RequesterOfficer, @AuthorizationRef, @ClaimsJson, @DisclosableJson, @DeadlineUnixMs, @ReceivedAtUnixMs)
            ON CONFLICT (request_id) DO UPDATE SET sent_at_unix_ms = NULL
            """, new
        {
            task.RequestId,
            task.ItemCode,
            SubjectKind = task.Subject.Kind.ToString(),
            SubjectId = task.Subject.Id,
            SubjectName = task.Subject.Name,
            task.CaseNumber,
            task.Purpose,
            RequesterDepartment = task.Requester.Department,
            RequesterOfficer = task.Requester.Officer,
            task.AuthorizationRef,
            ClaimsJson = JsonSerializer.Serialize(task.Claims.ToDictionary(c => c.Key, c => c.Value)),
            DisclosableJson = JsonSerializer.Serialize(task.DisclosableFields.ToList()),
            DeadlineUnixMs = task.Deadline.ToDateTimeOffset().ToUnixTimeMilliseconds(),
            ReceivedAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>Tasks no officer has answered yet, the nearest deadline first.</summary>
    public async Task<IReadOnlyList<OnSiteTask>> PendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM onsite_task WHERE verdict IS NULL ORDER BY deadline_unix_ms, request_id", cancellationToken: cancellationToken));
        return rows.Select(r => r.ToTask()).ToList();
    }

    /// <summary>How many tasks wait for an officer.</summary>
    public async Task<int> PendingCountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COUNT(*) FROM onsite_task WHERE verdict IS NULL", cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Records an officer's outcome. Field verdicts must be for claimed fields, disclosed values for
    /// fields the requester may see; the outcome is written once.
    /// </summary>
    public async Task AnswerAsync(
        string requestId, string verdict, string officer, IReadOnlyDictionary<string, string> fieldVerdicts, IReadOnlyDictionary<string, string> disclosed,
        string? note, CancellationToken cancellationToken)
    {
        if (!Verdicts.Contains(verdict))
        {
            throw new OnSiteException($"verdict '{verdict}' is not one of {string.Join(", ", Verdicts)}");
        }

        if (string.IsNullOrWhiteSpace(officer))
        {
            throw new OnSiteException("the officer who made the check is required (Art. 13)");
        }

        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM onsite_task WHERE request_id = @RequestId", new { RequestId = requestId }, cancellationToken: cancellationToken))
            ?? throw new OnSiteException($"no on-site task '{requestId}' is on this list");
        var task = row.ToTask();
        if (task.Verdict is not null)
        {
            throw new OnSiteException($"task {requestId} was already answered ({task.Verdict}) by {task.CheckedBy}");
        }

        foreach (var (field, fieldVerdict) in fieldVerdicts)
        {
            if (!task.Claims.ContainsKey(field))
            {
                throw new OnSiteException($"field '{field}' was not claimed; claimed: {string.Join(", ", task.Claims.Keys)}");
            }

            if (fieldVerdict is not ("match" or "mismatch" or "not-found"))
            {
                throw new OnSiteException($"field '{field}': '{fieldVerdict}' is not one of match, mismatch, not-found");
            }
        }

        foreach (var field in disclosed.Keys.Where(f => !task.DisclosableFields.Contains(f)))
        {
            throw new OnSiteException($"field '{field}' may not be disclosed to the requester");
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE onsite_task SET verdict = @Verdict, fields_json = @FieldsJson, disclosed_json = @DisclosedJson, note = @Note, checked_by = @Officer,
                answered_at_unix_ms = @At
            WHERE request_id = @RequestId AND verdict IS NULL
            """, new
        {
            RequestId = requestId,
            Verdict = verdict,
            FieldsJson = JsonSerializer.Serialize(fieldVerdicts),
            DisclosedJson = JsonSerializer.Serialize(disclosed),
            Note = note,
            Officer = officer.Trim(),
            At = time.GetUtcNow().ToUnixTimeMilliseconds(),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>Answers recorded by officers and not yet accepted by the hub, as the results to send, with the item and subject their seal covers.</summary>
    public async Task<IReadOnlyList<AnsweredTask>> AnsweredUnsentAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string RequestId, string Verdict, string FieldsJson, string DisclosedJson, string? Note, string CheckedBy, string ItemCode, string SubjectKind, string SubjectId)>(new CommandDefinition(
            "SELECT request_id, verdict, fields_json, disclosed_json, note, checked_by, item_code, subject_kind, subject_id FROM onsite_task WHERE verdict IS NOT NULL AND sent_at_unix_ms IS NULL",
            cancellationToken: cancellationToken));
        return rows.Select(r =>
        {
            var result = new TaskResult { RequestId = r.RequestId, Verdict = ToVerdict(r.Verdict), Note = r.Note ?? "", CheckedBy = r.CheckedBy };
            foreach (var (field, v) in JsonSerializer.Deserialize<Dictionary<string, string>>(r.FieldsJson) ?? [])
            {
                result.Fields.Add(new FieldVerdict { Field = field, Verdict = v switch { "match" => FieldVerdictKind.Match, "mismatch" => FieldVerdictKind.Mismatch, _ => FieldVerdictKind.NotFound } });
            }

            result.Disclosed.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(r.DisclosedJson) ?? []);
            var subject = new Subject { Kind = Enum.TryParse<SubjectKind>(r.SubjectKind, out var kind) ? kind : SubjectKind.Unspecified, Id = r.SubjectId };
            return new AnsweredTask(result, r.ItemCode, subject);
        }).ToList();
    }

    public async Task MarkSentAsync(string requestId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE onsite_task SET sent_at_unix_ms = @At WHERE request_id = @RequestId", new { RequestId = requestId, At = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
    }

    private static Verdict ToVerdict(string verdict) => verdict switch
    {
        "match" => Verdict.Match,
        "mismatch" => Verdict.Mismatch,
        "not-found" => Verdict.NotFound,
        "needs-supplement" => Verdict.NeedsSupplement,
        _ => Verdict.Refused,
    };

    private const string Columns = """
        request_id AS RequestId, item_code AS ItemCode, subject_kind AS SubjectKind, subject_id AS SubjectId, subject_name AS SubjectName,
        case_number AS CaseNumber, purpose AS Purpose, requester_department AS RequesterDepartment, requester_officer AS RequesterOfficer,
        authorization_ref AS AuthorizationRef, claims_json AS ClaimsJson, disclosable_json AS DisclosableJson, deadline_unix_ms AS DeadlineUnixMs,
        received_at_unix_ms AS ReceivedAtUnixMs, verdict AS Verdict, checked_by AS CheckedBy
        """;

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        var connection = new SqliteConnection($"Data Source={Path}");
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;
            CREATE TABLE IF NOT EXISTS onsite_task (
                request_id TEXT PRIMARY KEY, item_code TEXT NOT NULL, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, subject_name TEXT NOT NULL,
                case_number TEXT NOT NULL, purpose TEXT NOT NULL, requester_department TEXT NOT NULL, requester_officer TEXT NOT NULL,
                authorization_ref TEXT NOT NULL, claims_json TEXT NOT NULL, disclosable_json TEXT NOT NULL, deadline_unix_ms INTEGER NOT NULL,
                received_at_unix_ms INTEGER NOT NULL, verdict TEXT NULL, fields_json TEXT NULL, disclosed_json TEXT NULL, note TEXT NULL,
                checked_by TEXT NULL, answered_at_unix_ms INTEGER NULL, sent_at_unix_ms INTEGER NULL);
            """, cancellationToken: cancellationToken));
        return connection;
    }

    private sealed class Row
    {
        public string RequestId { get; set; } = "";
        public string ItemCode { get; set; } = "";
        public string SubjectKind { get; set; } = "";
        public string SubjectId { get; set; } = "";
        public string SubjectName { get; set; } = "";
        public string CaseNumber { get; set; } = "";
        public string Purpose { get; set; } = "";
        public string RequesterDepartment { get; set; } = "";
        public string RequesterOfficer { get; set; } = "";
        public string AuthorizationRef { get; set; } = "";
        public string ClaimsJson { get; set; } = "{}";
        public string DisclosableJson { get; set; } = "[]";
        public long DeadlineUnixMs { get; set; }
        public long ReceivedAtUnixMs { get; set; }
        public string? Verdict { get; set; }
        public string? CheckedBy { get; set; }

        public OnSiteTask ToTask() => new(
            RequestId, ItemCode, SubjectKind, SubjectId, SubjectName, CaseNumber, Purpose, RequesterDepartment, RequesterOfficer, AuthorizationRef,
            JsonSerializer.Deserialize<Dictionary<string, string>>(ClaimsJson) ?? [], JsonSerializer.Deserialize<List<string>>(DisclosableJson) ?? [],
            DateTimeOffset.FromUnixTimeMilliseconds(DeadlineUnixMs), DateTimeOffset.FromUnixTimeMilliseconds(ReceivedAtUnixMs), Verdict, CheckedBy);
    }
}

/// <summary>An officer's answer the work list cannot take, with what to fix.</summary>
internal sealed class OnSiteException(string message) : Exception(message);
