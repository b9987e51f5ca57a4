extern alias hub;

using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// What one caller may ask of the hub at once: calls a second, open streams, and requests
/// waiting for a department with no agent. Each test starts a hub with its limits set low.
/// </summary>
public sealed class CallerLimitTests(SharedGarnet redis) : IClassFixture<SharedGarnet>, IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-limits-").FullName;
    private readonly List<WebApplication> _hubs = [];

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ACallerOverItsRate_GetsResourceExhaustedWithARetryHint_AndIsServedAfterWaitingIt()
    {
        var channel = await HubAsync(new() { ["Limits:CallsPerSecond"] = "10", ["Limits:Burst"] = "10" });
        var client = new VerificationService.VerificationServiceClient(channel);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            try
            {
                await client.GetAsync(new GetRequest { RequestId = "r00-" + new string('0', 32) });
                return null;
            }
            catch (RpcException e)
            {
                return e;
            }
        }));
        var refused = outcomes.OfType<RpcException>().Where(e => e.StatusCode == StatusCode.ResourceExhausted).ToList();
        var wait = int.Parse(refused[0].Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(wait + 50);
        var afterWaiting = await Assert.ThrowsAsync<RpcException>(() => client.GetAsync(new GetRequest { RequestId = "r00-" + new string('0', 32) }).ResponseAsync);

        // About ten pass (the bucket) and are read (an id this hub never issued: InvalidArgument); the rest are refused unread.
        Assert.InRange(refused.Count, 15, 30);
        Assert.Contains("made more than 10 calls a second (Limits:CallsPerSecond", refused[0].Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("address 127.0.0.1", refused[0].Status.Detail, StringComparison.Ordinal);
        Assert.InRange(wait, 1, 1000);
        Assert.Equal(StatusCode.InvalidArgument, afterWaiting.StatusCode);
        Assert.All(outcomes.OfType<RpcException>().Except(refused), e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.Equal(refused.Count, Throttled("calls"));
    }

    [Fact]
    public async Task WatchStreamsPerCaller_AreCapped_AndAClosedStreamLeavesNothingBehind()
    {
        var channel = await HubAsync(new() { ["Limits:WatchStreamsPerCaller"] = "2" });
        var client = new VerificationService.VerificationServiceClient(channel);
        var watch = new WatchRequest { Department = "jj-admin-service-center", Window = "w-capped", Cursor = "0" };
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var one = client.Watch(watch, cancellationToken: first.Token);
        var two = client.Watch(watch, cancellationToken: second.Token);
        await Poll.UntilAsync(() => Task.FromResult(Notifier.WakeUpEntries), n => n == 1);

        using var three = client.Watch(watch);
        var refused = await Assert.ThrowsAsync<RpcException>(() => three.ResponseStream.MoveNext(CancellationToken.None));
        await first.CancelAsync();
        await second.CancelAsync();
        one.Dispose();
        two.Dispose();
        var entries = await Poll.UntilAsync(() => Task.FromResult(Notifier.WakeUpEntries), n => n == 0);
        using var again = client.Watch(watch);
        await Poll.UntilAsync(() => Task.FromResult(Notifier.WakeUpEntries), n => n == 1);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("declared window jj-admin-service-center/w-capped already holds 2 watch-streams open (Limits:WatchStreamsPerCaller)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, entries);
        Assert.Equal(1, Throttled("watch-streams"));
    }

    [Fact]
    public async Task AgentStreamsPerCaller_AreCapped()
    {
        var channel = await HubAsync(new() { ["Limits:AgentStreamsPerCaller"] = "1" });
        var agents = new AgentService.AgentServiceClient(channel);
        var hello = new AgentHello { Department = "jj-civil-affairs", AgentId = "ca-capped", Capacity = 1, ItemCodes = { "JJ-MZ-001" } };
        using var first = agents.Connect();
        await first.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));

        using var second = agents.Connect();
        await second.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
        var refused = await Assert.ThrowsAsync<RpcException>(() => second.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("agent jj-civil-affairs/ca-capped already holds 1 agent-streams open", refused.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(first.ResponseStream.Current.Welcome);
    }

    [Fact]
    public async Task ADepartmentWithNoAgent_QueuesAtMostItsLimit_AndFurtherRequestsAreRefusedOnTheTrail()
    {
        var channel = await HubAsync(new() { ["Limits:QueuedPerDepartment"] = "3" });
        var client = new VerificationService.VerificationServiceClient(channel);

        var accepted = new List<Receipt>();
        for (var i = 0; i < 3; i++)
        {
            accepted.Add(await client.SubmitAsync(new SubmitRequest { Request = HostileInputTests.Request() }));
        }

        var request = HostileInputTests.Request();
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(new SubmitRequest { Request = request }).ResponseAsync);
        var trail = await _hubs[0].Services.GetRequiredService<hub::NoCertHub.Hub.Audit.AuditSearchIndex>().FindBySubjectAsync(request.Subject.Id, 50, CancellationToken.None);

        Assert.Equal(3, accepted.Count);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("jj-civil-affairs has 3 requests waiting for its agents (none is connected; Limits:QueuedPerDepartment = 3)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(trail, r => r.Kind == hub::NoCertHub.Hub.Audit.AuditKind.Refused && r.CaseNumber == request.CaseNumber && r.Reason!.Contains("Limits:QueuedPerDepartment", StringComparison.Ordinal));
        Assert.Equal(1, Throttled("department-queue"));
    }

    public async Task DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            await TestHub.StopAsync(hub);
        }

        Directory.Delete(_directory, recursive: true);
    }

    private hub::NoCertHub.Hub.Verification.ResultNotifier Notifier => _hubs[0].Services.GetRequiredService<hub::NoCertHub.Hub.Verification.ResultNotifier>();

    private int Throttled(string limit) => (int)MetricsText.Value(MetricsText.Of(_hubs[0]), "nocert_throttled_total", $"limit=\"{limit}\"");

    private async Task<GrpcChannel> HubAsync(Dictionary<string, string?> settings)
    {
        var hub = await TestHub.StartAsync(_directory, redis.ConnectionString, "limits-" + Guid.NewGuid().ToString("N")[..8], port: 0, settings);
        _hubs.Add(hub);
        return GrpcChannel.ForAddress(TestHub.AddressOf(hub));
    }
}
