using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using NoCertHub.ChaosRun;
using NoCertHub.Sdk;
using NoCertHub.Testing;
using NoCertHub.V1;

// The chaos run (issue 23): three hub processes on one redis-server, two agent processes per hub
// (each serving every department of the shipped agent settings, so six agents per department),
// windows submitting at a steady rate to any hub and watching their results on their own hub;
// every 10–20 s one hub or agent is killed with SIGKILL and started again on its folder. One
// department (jj-health, JJ-WJ-001) has no agent until the end, so its requests go overdue and
// must be escalated, kept owned across the hub kills, and answered once its agent comes. Then it
// checks and prints: every receipt answered exactly once, each window's Watch history holds each
// result once, every released answer has its audit record and the chain verifies, every overdue
// request escalated exactly once, no request left without an owner. Exit code 0 when all hold.
// Bounded in time, loopback only.
//   dotnet build -c Release NoCertHub.sln
//   dotnet run -c Release --no-build --project load-tests/NoCertHub.ChaosRun -- [seconds, 300] [submissions per second, 40] [kill every min s, 10] [max s, 20] [seed, 1]
var seconds = double.Parse(args.ElementAtOrDefault(0) ?? "300", CultureInfo.InvariantCulture);
var rate = double.Parse(args.ElementAtOrDefault(1) ?? "40", CultureInfo.InvariantCulture);
var killMin = double.Parse(args.ElementAtOrDefault(2) ?? "10", CultureInfo.InvariantCulture);
var killMax = double.Parse(args.ElementAtOrDefault(3) ?? "20", CultureInfo.InvariantCulture);
var seed = int.Parse(args.ElementAtOrDefault(4) ?? "1", CultureInfo.InvariantCulture);
var random = new Random(seed);
var started = Stopwatch.StartNew();
void Say(string line) => Console.WriteLine($"[{started.Elapsed.TotalSeconds,6:0.0} s] {line}");

var root = Cluster.FindRoot();
var work = Directory.CreateTempSubdirectory("nocert-chaos-").FullName;
var failures = new List<string>();
await using var redis = await RedisServerProcess.StartAsync();
var cluster = new Cluster(root, work, redis.ConnectionString);
try
{
    for (var i = 0; i < Cluster.Hubs; i++)
    {
        await cluster.StartHubAsync(i);
    }

    for (var i = 0; i < Cluster.Agents; i++)
    {
        await cluster.StartAgentAsync(i);
    }

    Say($"3 hubs, {Cluster.Agents} agent processes, redis-server; {rate}/s for {seconds} s, a kill every {killMin}–{killMax} s (seed {seed})");
    var receipts = new ConcurrentDictionary<string, Submitted>(StringComparer.Ordinal);
    var watched = Enumerable.Range(0, Load.Windows).Select(_ => new ConcurrentQueue<string>()).ToArray();
    using var stopWatching = new CancellationTokenSource();
    var watchers = Enumerable.Range(0, Load.Windows).Select(w => Load.WatchAsync(cluster.Address(w % Cluster.Hubs), w, watched[w], stopWatching.Token)).ToArray();
    using var stopLoad = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
    var load = Load.SubmitAsync(cluster, rate, receipts, stopLoad.Token);

    var kills = new List<string>();
    while (!stopLoad.IsCancellationRequested)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(killMin + (random.NextDouble() * (killMax - killMin))), stopLoad.Token);
        }
        catch (OperationCanceledException)
        {
            break;
        }

        // Hubs and agents alike: the first kill hits a hub, the second an agent, then a third of them a hub.
        var hub = kills.Count == 0 || (kills.Count > 1 && random.Next(3) == 0);
        var target = hub ? $"hub{random.Next(Cluster.Hubs)}" : $"agent{random.Next(Cluster.Agents)}";
        await cluster.KillAsync(target);
        await Task.Delay(TimeSpan.FromMilliseconds(500 + random.Next(2000)));
        await cluster.RestartAsync(target);
        kills.Add(target);
        Say($"killed {target} with SIGKILL and started it again; {receipts.Count} receipts so far");
    }

    var submitErrors = await load;
    Say($"load stopped: {receipts.Count} receipts, {kills.Count} kills ({kills.Count(k => k.StartsWith("hub", StringComparison.Ordinal))} of hubs); submission attempts a dead or restarting hub refused, sent to the next: {submitErrors}");

    // The department without an agent gets one now: every request it was owed must reach it.
    await cluster.StartHealthAgentAsync();
    using var reader = new NoCertHubClient(new NoCertHubClientOptions { Address = cluster.Address(0) });
    var results = await Checks.AwaitAnswersAsync(reader, receipts.Keys, TimeSpan.FromSeconds(120));
    Say($"answered {results.Count} of {receipts.Count}");
    if (results.Count != receipts.Count)
    {
        var unanswered = receipts.Keys.Except(results.Keys).ToList();
        failures.Add($"{unanswered.Count} receipts never answered (left without an owner, or lost): {string.Join(", ", unanswered.Take(5))}; "
            + $"by item: {string.Join(", ", unanswered.GroupBy(id => receipts[id].Item).Select(g => $"{g.Key} {g.Count()}"))}");
        // Why, as far as the servers said: the late agent first (the usual suspect when only its item is missing), then each hub.
        foreach (var name in (string[])["agent-health", .. Enumerable.Range(0, Cluster.Hubs).Select(h => $"hub{h}")])
        {
            Say(cluster.Describe(name));
        }
    }

    // Live watchers: each result once, none missing, across their hub's restarts.
    await Checks.UntilAsync(() => Enumerable.Range(0, Load.Windows).All(w => watched[w].Distinct().Count() >= receipts.Values.Count(r => r.Window == w)), TimeSpan.FromSeconds(60));
    await stopWatching.CancelAsync();
    await Task.WhenAll(watchers);
    failures.AddRange(Checks.WatchedOnce("live Watch streams", watched, receipts));
    // Each window's history read again from its start.
    var histories = await Task.WhenAll(Enumerable.Range(0, Load.Windows).Select(w => Load.ReadHistoryAsync(cluster.Address(1), w, receipts.Values.Count(r => r.Window == w))));
    failures.AddRange(Checks.WatchedOnce("Watch histories read from the start", histories.Select(h => new ConcurrentQueue<string>(h)).ToArray(), receipts));
    Say($"Watch: live streams saw {watched.Sum(q => q.Count)} results, histories hold {histories.Sum(h => h.Count)}, for {receipts.Count} receipts");

    // Escalations: listed once each; every request whose deadline passed unanswered (answered more
    // than the sweeper's reaction after it) among them; none answered in time among them.
    var escalated = await Checks.EscalationsAsync(cluster.Address(2));
    var escalatedOnce = escalated.ToHashSet(StringComparer.Ordinal);
    var late = results.Values.Where(r => r.Late).ToList();
    var overdue = late.Where(r => r.AnsweredAt.ToDateTimeOffset() > receipts[r.RequestId].Deadline + TimeSpan.FromSeconds(2)).Select(r => r.RequestId).ToList();
    var twice = escalated.Count - escalatedOnce.Count;
    var notEscalated = overdue.Count(id => !escalatedOnce.Contains(id));
    var escalatedInTime = escalatedOnce.Count(id => results.TryGetValue(id, out var r) && !r.Late);
    Say($"escalations: {escalated.Count} listed ({escalatedOnce.Count} requests, {twice} twice); answered late {late.Count}, of them overdue by more than 2 s {overdue.Count} ({overdue.Count(id => receipts[id].Item == "JJ-WJ-001")} of the department without an agent), not escalated {notEscalated}; escalated though answered in time {escalatedInTime}");
    if (twice > 0 || notEscalated > 0 || escalatedInTime > 0)
    {
        failures.Add($"escalations: {twice} twice, {notEscalated} overdue not escalated, {escalatedInTime} escalated though answered in time");
    }

    // The hubs stop; the audit trail is read and verified as the joint office would.
    await cluster.StopAllAsync();
    var audit = Checks.AuditAnswers(cluster.AuditDatabase);
    // The record names the agent that answered (and, for an on-site check, the officer who went).
    bool Recorded(VerificationResult r) => audit.TryGetValue(r.RequestId, out var agents) && agents.Any(a => a == r.AnsweringAgent || a.StartsWith(r.AnsweringAgent + "; ", StringComparison.Ordinal));
    var withoutRecord = results.Values.Count(r => !Recorded(r));
    var recordedTwice = results.Keys.Count(id => audit.TryGetValue(id, out var agents) && agents.Count > 1);
    Say($"audit: {audit.Values.Sum(a => a.Count)} answer records for {results.Count} answers; released answers without their record: {withoutRecord}; requests answered twice by agents (one released, after a kill): {recordedTwice}");
    if (withoutRecord > 0)
    {
        var example = results.Values.First(r => !Recorded(r));
        failures.Add($"{withoutRecord} released answers without their audit record, e.g. {example.RequestId} answered by '{example.AnsweringAgent}', recorded: {string.Join(", ", audit.GetValueOrDefault(example.RequestId) ?? [])}");
    }

    var (verifyExit, verifyOutput) = await cluster.VerifyAuditAsync();
    Say($"verify-audit: exit {verifyExit}: {verifyOutput.Trim().Split('\n').LastOrDefault()}");
    if (verifyExit != 0)
    {
        failures.Add("verify-audit failed:\n" + verifyOutput);
    }
}
catch (Exception e)
{
    failures.Add("the run failed: " + e);
}
finally
{
    await cluster.DisposeAsync();
    SqliteConnection.ClearAllPools();
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
        // Best effort: a temp folder.
    }
}

foreach (var failure in failures)
{
    Console.WriteLine("FAILED: " + failure);
}

Console.WriteLine(failures.Count == 0 ? "chaos run: all checks passed" : $"chaos run: {failures.Count} checks failed");
return failures.Count == 0 ? 0 : 1;

internal sealed record Submitted(string RequestId, int Window, string Item, DateTimeOffset Deadline);

internal static class Checks
{
    public static async Task UntilAsync(Func<bool> done, TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        while (!done() && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
        }
    }

    /// <summary>Each request's result, read until all are answered or patience runs out.</summary>
    public static async Task<Dictionary<string, VerificationResult>> AwaitAnswersAsync(NoCertHubClient client, ICollection<string> ids, TimeSpan patience)
    {
        var results = new Dictionary<string, VerificationResult>(StringComparer.Ordinal);
        var until = DateTime.UtcNow + patience;
        while (results.Count < ids.Count && DateTime.UtcNow < until)
        {
            foreach (var chunk in ids.Where(id => !results.ContainsKey(id)).Chunk(64))
            {
                var statuses = await Task.WhenAll(chunk.Select(id => client.GetAsync(id)));
                foreach (var status in statuses.Where(s => s.State == RequestState.Answered))
                {
                    results[status.Result.RequestId] = status.Result;
                }
            }

            if (results.Count < ids.Count)
            {
                await Task.Delay(1000);
            }
        }

        return results;
    }

    public static IEnumerable<string> WatchedOnce(string what, ConcurrentQueue<string>[] seen, ConcurrentDictionary<string, Submitted> receipts)
    {
        for (var w = 0; w < seen.Length; w++)
        {
            var ids = seen[w].ToList();
            var expected = receipts.Values.Where(r => r.Window == w).Select(r => r.RequestId).ToHashSet(StringComparer.Ordinal);
            var twice = ids.GroupBy(id => id, StringComparer.Ordinal).Count(g => g.Count() > 1);
            var missing = expected.Count(id => !ids.Contains(id));
            var foreign = ids.Distinct().Count(id => !expected.Contains(id));
            if (twice + missing + foreign > 0)
            {
                yield return $"{what}, window w{w}: {twice} results twice, {missing} missing, {foreign} not from this window's receipts";
            }
        }
    }

    public static async Task<List<string>> EscalationsAsync(Uri hub)
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(hub);
        var oversight = new OversightService.OversightServiceClient(channel);
        var ids = new List<string>();
        // Per department: each stays under the listing's limit of 1,000.
        foreach (var department in new[] { "jj-health", "jj-civil-affairs", "jj-public-security", "jj-haimen-street" })
        {
            var listed = await oversight.ListEscalationsAsync(new ListEscalationsRequest { Department = department, IncludeClosed = true, Limit = 1000 });
            if (listed.Total > listed.Escalations.Count)
            {
                throw new InvalidOperationException($"{department} has {listed.Total} escalations, more than one listing holds: run with a lower rate");
            }

            ids.AddRange(listed.Escalations.Select(e => e.RequestId));
        }

        return ids;
    }

    /// <summary>Every answer record in the trail: request id → the agents whose answers were recorded.</summary>
    public static Dictionary<string, List<string>> AuditAnswers(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        // Kinds 2 and 3: answered in time, answered late.
        command.CommandText = "SELECT request_id, answering_agent FROM audit_log WHERE kind IN (2, 3)";
        using var reader = command.ExecuteReader();
        var answers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var id = reader.GetString(0);
            if (!answers.TryGetValue(id, out var agents))
            {
                answers[id] = agents = [];
            }

            agents.Add(reader.IsDBNull(1) ? "" : reader.GetString(1));
        }

        return answers;
    }
}

internal static class Load
{
    public const int Windows = 8;
    public const string Department = "jj-admin-service-center";
    private const string ZhangWei = "33100219850312001X";

    /// <summary>Submits at <paramref name="rate"/> per second to the hubs in turn; a submission a dead hub refuses is sent again, same client request id, to the next.</summary>
    public static async Task<int> SubmitAsync(Cluster cluster, double rate, ConcurrentDictionary<string, Submitted> receipts, CancellationToken stop)
    {
        var clients = Enumerable.Range(0, Cluster.Hubs).Select(h => new NoCertHubClient(new NoCertHubClientOptions { Address = cluster.Address(h) })).ToArray();
        var retried = 0;
        var pending = new List<Task>();
        var interval = TimeSpan.FromSeconds(1 / rate);
        var next = Stopwatch.GetTimestamp();
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var request = Request(n);
            var window = n % Windows;
            var first = n;
            pending.Add(Task.Run(async () =>
            {
                for (var attempt = 0; attempt < 60; attempt++)
                {
                    try
                    {
                        var receipt = await clients[(first + attempt) % clients.Length].SubmitAsync(request);
                        receipts[receipt.RequestId] = new Submitted(receipt.RequestId, window, request.ItemCode, receipt.Deadline.ToDateTimeOffset());
                        return;
                    }
                    catch (NoCertHubException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled)
                    {
                        // A hub killed, restarting, or one the channel still backs off from after its restart.
                        Interlocked.Increment(ref retried);

                        await Task.Delay(250);
                    }
                }

                throw new InvalidOperationException("no hub took submission " + request.ClientRequestId);
            }, CancellationToken.None));
            next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await Task.WhenAll(pending);
        foreach (var client in clients)
        {
            client.Dispose();
        }

        return retried;
    }

    /// <summary>Most checks civil affairs', a fifth public security's, a tenth the street office's on-site ones, a twentieth for the department whose agent comes only at the end.</summary>
    private static VerificationRequest Request(int n)
    {
        // One in twenty for the department without an agent: its escalations stay under the
        // oversight listing's 1,000 at the full run's 12,000 submissions.
        var (item, claim) = (n % 20) switch
        {
            0 => ("JJ-WJ-001", (string?)null),
            1 or 2 or 3 or 4 => ("JJ-GA-001", null),
            5 or 6 => ("JJ-JD-001", "椒江区海门街道东山路18号"),
            _ => ("JJ-MZ-001", "已婚"),
        };
        var request = new VerificationRequest
        {
            ItemCode = item,
            Subject = new Subject { Kind = SubjectKind.Person, Id = ZhangWei, Name = "张伟" },
            CaseNumber = $"chaos-{n}",
            Purpose = "chaos run",
            Requester = new Requester { Department = Department, Window = "w" + (n % Windows), Officer = "officer-chaos" },
            ClientRequestId = $"chaos-{n}",
        };
        request.Claims["name"] = "张伟";
        if (item == "JJ-MZ-001")
        {
            request.Claims["marital_status"] = claim!;
        }
        else if (item == "JJ-JD-001")
        {
            request.Claims["address"] = claim!;
        }

        return request;
    }

    /// <summary>The window's results as they come, through its own hub, resuming with the cursor across that hub's restarts.</summary>
    public static async Task WatchAsync(Uri hub, int window, ConcurrentQueue<string> seen, CancellationToken stop)
    {
        using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = hub, WatchReconnectMax = TimeSpan.FromSeconds(1) });
        try
        {
            await foreach (var change in client.WatchAsync(Department, "w" + window, cursor: null, stop))
            {
                if (change.Result is { } result)
                {
                    seen.Enqueue(result.RequestId);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    /// <summary>The window's whole history, read from its start: until <paramref name="expected"/> results came and no more for two seconds.</summary>
    public static async Task<List<string>> ReadHistoryAsync(Uri hub, int window, int expected)
    {
        var seen = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var watch = WatchAsync(hub, window, seen, stop.Token);
        var last = -1;
        var until = DateTime.UtcNow.AddSeconds(60);
        while ((seen.Count < expected || seen.Count != last) && DateTime.UtcNow < until)
        {
            last = seen.Count;
            await Task.Delay(2000);
        }

        await stop.CancelAsync();
        await watch;
        return [.. seen];
    }
}
