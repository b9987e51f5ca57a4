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
}
