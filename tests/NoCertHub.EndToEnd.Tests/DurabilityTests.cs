using System.Globalization;
using System.Text.RegularExpressions;
using NoCertHub.Sdk;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;
using Xunit.Abstractions;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// "Durable" means on the device: under Storage:Durability=PowerLoss every receipt and every answer
/// leaves the hub only after the append-only file (and, for an answer, the audit database) was synced;
/// under ProcessCrash none is synced. Proven from the system calls the hub process makes, traced with strace.
/// </summary>
public sealed partial class DurabilityTests(ITestOutputHelper output)
{
    private const int Requests = 4;

    [Theory]
    [InlineData("PowerLoss", true)]
    [InlineData("ProcessCrash", false)]
    public async Task ReceiptsAndAnswers_LeaveTheHubOnlyAfterTheirSync_UnderPowerLossAlone(string promise, bool synced)
    {
        var strace = ServerProcess.Which("strace") ?? throw new InvalidOperationException("strace is not installed; the README's test command installs it");
        var directory = Directory.CreateTempSubdirectory("nocert-fsync-").FullName;
        var trace = Path.Combine(directory, "trace.txt");
        var settings = new Dictionary<string, string>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Storage:Durability"] = promise,
        };
        // Only the calls that matter, filtered in the kernel (seccomp), so the traced hub stays fast;
        // -yy names each descriptor's file or socket, -s shows enough of each message to find its ids.
        string[] wrapper = [strace, "-f", "--seccomp-bpf", "-qq", "-yy", "-s", "4096", "-o", trace,
            "-e", "trace=fsync,fdatasync,sendmsg,sendto,write,writev,recvmsg,recvfrom,read,readv"];
        HubProcess? hub = null;
        try
        {
            hub = await HubProcess.StartAsync(directory, settings, wrapper: wrapper);
            using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = hub.Address, VerifyTimeout = TimeSpan.FromSeconds(30) });

            // Receipts: Submit with no agent connected, one at a time, so each has its own window in the trace.
            var submitted = new List<(string Case, string RequestId)>();
            for (var i = 0; i < Requests; i++)
            {
                var request = Request("submit", i);
                submitted.Add((request.CaseNumber, (await client.SubmitAsync(request)).RequestId));
            }

            // Answers: Verify, one at a time, answered by an agent (in this process, so not traced).
            var verified = new List<string>();
            await using (new AgentRun(await TestAgents.StartAsync(hub.Address, TestAgents.CivilAffairs(directory, "ca-fsync"))))
            {
                for (var i = 0; i < Requests; i++)
                {
                    var result = await client.VerifyAsync(Request("verify", i));
                    Assert.Equal(Verdict.Match, result.Verdict);
                    verified.Add(result.RequestId);
                }
            }

            // strace writes as the calls happen; wait until the last result's send is in the file.
            var lines = await Poll.UntilAsync(() => File.ReadAllLinesAsync(trace), l => l.Any(x => x.Contains(verified[^1], StringComparison.Ordinal)));
            var events = StraceEvents.Parse(lines, hub.GrpcPort);
            var aof = new Regex(@"/AOF/aof\.log\.\d+$");
            var audit = new Regex(@"/audit\.db(-wal)?$");

            foreach (var (caseNumber, requestId) in submitted)
            {
                // From the moment the request arrived to the moment its receipt was sent.
                var arrived = events.FindIndex(e => e.Kind == StraceEvents.Received && e.Text.Contains(caseNumber, StringComparison.Ordinal));
                var released = events.FindIndex(e => e.Kind == StraceEvents.Sent && e.Text.Contains(requestId, StringComparison.Ordinal));
                Assert.True(arrived >= 0 && released > arrived, $"the trace does not show {caseNumber} arriving and then its receipt leaving (arrived {arrived}, released {released})");
                var syncs = events.Skip(arrived).Take(released - arrived).Where(e => e.Kind == StraceEvents.Synced).ToList();
                output.WriteLine($"receipt {requestId}: {string.Join(", ", syncs.Select(s => s.Text))}");
                Assert.Equal(synced, syncs.Any(s => aof.IsMatch(s.Text)));
            }

            foreach (var requestId in verified)
            {
                // From the agent's answer reaching the hub to the Verify's result leaving it.
                var released = events.FindLastIndex(e => e.Kind == StraceEvents.Sent && e.Text.Contains(requestId, StringComparison.Ordinal));
                var answered = events.FindLastIndex(released, e => e.Kind == StraceEvents.Received && e.Text.Contains(requestId, StringComparison.Ordinal));
                Assert.True(answered >= 0 && released > answered, $"the trace does not show the answer to {requestId} arriving and then leaving (answered {answered}, released {released})");
                var syncs = events.Skip(answered).Take(released - answered).Where(e => e.Kind == StraceEvents.Synced).ToList();
                output.WriteLine($"answer {requestId}: {string.Join(", ", syncs.Select(s => s.Text))}");
                Assert.Equal(synced, syncs.Any(s => aof.IsMatch(s.Text)));
                Assert.Equal(synced, syncs.Any(s => audit.IsMatch(s.Text)));
            }

            if (!synced)
            {
                // Not merely outside the windows: once serving, the weaker promise syncs neither file
                // (SQLite syncs while it creates the schema at start, and would at a checkpoint of 1,000 pages).
                var serving = events.FindIndex(e => e.Kind == StraceEvents.Received && e.Text.Contains(submitted[0].Case, StringComparison.Ordinal));
                Assert.DoesNotContain(events.Skip(serving), e => e.Kind == StraceEvents.Synced && (aof.IsMatch(e.Text) || audit.IsMatch(e.Text)));
            }
        }
        catch (Exception) when (hub is not null && Log(hub.Output))
        {
            throw;
        }
        finally
        {
            await HubProcess.DisposeAndDeleteAsync(hub, directory);
        }
    }

    private static VerificationRequest Request(string tag, int i) =>
        TestRequests.MarriageCheck($"fsync-{tag}-{i.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}", "w-fsync", "durability test");

    private bool Log(string text)
    {
        output.WriteLine(text);
        return false;
    }
}

/// <summary>
/// The events of an strace -f -yy log that a durability check needs, in the order they happened:
/// syncs of files (when they completed), messages sent on the hub's gRPC port (when the send began),
/// messages received on it (when the receive completed).
/// </summary>
internal static partial class StraceEvents
{
    public const string Synced = "synced";
    public const string Sent = "sent";
    public const string Received = "received";

    private static readonly HashSet<string> Syncs = ["fsync", "fdatasync"];
    private static readonly HashSet<string> Sends = ["sendmsg", "sendto", "write", "writev"];
    private static readonly HashSet<string> Receives = ["recvmsg", "recvfrom", "read", "readv"];

    /// <param name="lines">The trace, as strace wrote it.</param>
    /// <param name="port">The hub's gRPC port: messages on other sockets (the hub's own Redis connection) do not count.</param>
    public static List<(string Kind, string Text)> Parse(IEnumerable<string> lines, int port)
    {
        var socket = $"TCP:[127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}->";
        var pending = new Dictionary<string, (string Call, string Start)>(StringComparer.Ordinal);
        var events = new List<(string Kind, string Text)>();
        foreach (var line in lines)
        {
            string pid, call, start, whole;
            bool complete;
            if (Resumed().Match(line) is { Success: true } resumed)
            {
                pid = resumed.Groups[1].Value;
                if (!pending.Remove(pid, out var begun))
                {
                    continue;
                }

                (call, start, whole, complete) = (begun.Call, begun.Start, begun.Start + resumed.Groups[3].Value, true);
            }
            else if (Began().Match(line) is { Success: true } began)
            {
                pid = began.Groups[1].Value;
                call = began.Groups[2].Value;
                start = began.Groups[3].Value;
                whole = start;
                complete = !line.EndsWith("<unfinished ...>", StringComparison.Ordinal);
                if (!complete)
                {
                    pending[pid] = (call, start);
                }
            }
            else
            {
                continue;
            }

            var onHubPort = start.Contains(socket, StringComparison.Ordinal);
            if (Syncs.Contains(call) && complete && FileOf().Match(start) is { Success: true } file)
            {
                events.Add((Synced, file.Groups[1].Value));
            }
            else if (Sends.Contains(call) && onHubPort && whole == start)
            {
                // A send's bytes are shown when it begins; it counts from then.
                events.Add((Sent, start));
            }
            else if (Receives.Contains(call) && onHubPort && complete)
            {
                events.Add((Received, whole));
            }
        }

        return events;
    }

    [GeneratedRegex(@"^(\d+)\s+(\w+)\((.*)$")]
    private static partial Regex Began();

    [GeneratedRegex(@"^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$")]
    private static partial Regex Resumed();

    [GeneratedRegex(@"^\d+<([^>]+)>")]
    private static partial Regex FileOf();
}
