extern alias hub;

using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Sdk;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

public sealed class RedisOutageTests
{
    [Fact]
    public async Task RedisDown_EveryApiSaysUnavailableWithAMessage_NotUnknown()
    {
        var redis = await RedisServerProcess.StartAsync();
        var directory = Directory.CreateTempSubdirectory("nocert-outage-").FullName;
        var http1 = FreePort.Next();
        var hub = await TestHub.StartAsync(directory, redis.ConnectionString + ",connectTimeout=500,asyncTimeout=1000", "outage", port: 0, http1Port: http1);
        var address = TestHub.AddressOf(hub);
        using var client = new NoCertHubClient(new NoCertHubClientOptions { Address = address });
        using var channel = GrpcChannel.ForAddress(address);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http1}/") };
        try
        {
            var readyBefore = await http.GetAsync(new Uri("readyz", UriKind.Relative));
            await redis.DisposeAsync();

            var submit = await Assert.ThrowsAsync<HubUnavailableException>(() => client.SubmitAsync(new VerificationRequest
            {
                ItemCode = "JJ-MZ-001",
                Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X" },
                CaseNumber = "case-outage",
                Purpose = "outage test",
                Requester = new Requester { Department = "jj-e2e-window", Window = "w1", Officer = "officer-e2e" },
            }));
            var get = await Assert.ThrowsAsync<HubUnavailableException>(() => client.GetAsync(hub::NoCertHub.Hub.Redis.RedisKeys.NewRequestId(1)));
            var oversight = await Assert.ThrowsAsync<RpcException>(() =>
                new OversightService.OversightServiceClient(channel).ListEscalationsAsync(new ListEscalationsRequest()).ResponseAsync);

            var readyAfter = await http.GetAsync(new Uri("readyz", UriKind.Relative));
            var liveAfter = await http.GetAsync(new Uri("healthz", UriKind.Relative));
            var grpcHealth = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
            var metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));

            Assert.Equal(System.Net.HttpStatusCode.OK, readyBefore.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, readyAfter.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, liveAfter.StatusCode);
            Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing, grpcHealth.Status);
            Assert.Matches(@"nocert_store_errors_total\{store=""redis""\} [1-9]", metrics);
            Assert.Contains("Redis", submit.Message, StringComparison.Ordinal);
            Assert.Contains("Redis", get.Message, StringComparison.Ordinal);
            Assert.Equal(StatusCode.Unavailable, oversight.StatusCode);
        }
        finally
        {
            await TestHub.StopAsync(hub);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task RedisKilledUnderLoadAndRestarted_TheHubRecoversByItself_AndKeepsEveryReceiptItGave()
    {
        // A server that persists every write before it answers (appendfsync always), as production's must.
        var redis = await RedisServerProcess.StartAsync(["--appendonly", "yes", "--appendfsync", "always"]);
        var directory = Directory.CreateTempSubdirectory("nocert-restart-").FullName;
        var hub = await TestHub.StartAsync(directory, redis.ConnectionString + ",connectTimeout=500,asyncTimeout=1000", "restart", port: 0);
        using var channel = GrpcChannel.ForAddress(TestHub.AddressOf(hub));
        var window = new VerificationService.VerificationServiceClient(channel);
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<(string RequestId, string Phase)>();
        var refused = new System.Collections.Concurrent.ConcurrentBag<StatusCode>();
        var phase = "before";
        using var stop = new CancellationTokenSource();
        try
        {
            var load = Task.WhenAll(Enumerable.Range(0, 4).Select(caller => SubmittingWindow.RunAsync(window, caller, () => phase, acknowledged, stop.Token, refused)));
            await Task.Delay(TimeSpan.FromSeconds(1));
            await redis.KillAsync();
            phase = "down";
            // Longer than a submit's 5 s deadline: the hub cannot ride it out by waiting.
            await Task.Delay(TimeSpan.FromSeconds(6));
            await redis.RestartAsync();
            phase = "after";
            await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count(a => a.Phase == "after")), n => n >= 20);
            await stop.CancelAsync();
            await load;
            var lost = await SubmittingWindow.LostAsync(window, acknowledged);

            Assert.Contains(acknowledged, a => a.Phase == "before");
            // Submits made while it was down were refused (Unavailable, or their deadline), not answered with a receipt.
            Assert.NotEmpty(refused);
            Assert.Empty(lost);
        }
        finally
        {
            await stop.CancelAsync();
            await TestHub.StopAsync(hub);
            await redis.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }
}
