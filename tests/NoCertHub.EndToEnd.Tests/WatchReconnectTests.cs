using NoCertHub.Sdk;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

public sealed class WatchReconnectTests
{
    [Fact]
    public async Task WatchAsync_HubRestartsUnderIt_ReconnectsAndDeliversEveryResultOnce()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var directory = Directory.CreateTempSubdirectory("nocert-restart-").FullName;
        var prefix = "restart-" + Guid.NewGuid().ToString("N")[..8];
        var port = FreePort.Next();
        var first = await TestHub.StartAsync(directory, redis.ConnectionString, prefix, port);
        WebApplication? second = null;
        var address = TestHub.AddressOf(first);
        using var client = new NoCertHubClient(new NoCertHubClientOptions
        {
            Address = address,
            WatchReconnectMin = TimeSpan.FromMilliseconds(50),
            WatchReconnectMax = TimeSpan.FromMilliseconds(200),
        });
        var agents = await TestAgents.StartAsync(address, TestAgents.CivilAffairs(directory, "ca-restart"));
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var received = new List<string>();
            var watching = Task.Run(async () =>
            {
                await foreach (var e in client.WatchAsync("jj-e2e-window", "w-restart", cancellationToken: stop.Token))
                {
                    lock (received)
                    {
                        received.Add(e.Result.RequestId);
                        if (received.Count == 4)
                        {
                            return;
                        }
                    }
                }
            });

            var before = new[] { await Submit(client), await Submit(client) };
            await Until(() => { lock (received) { return received.Count == 2; } }, stop.Token);
            await TestHub.StopAsync(first);
            second = await TestHub.StartAsync(directory, redis.ConnectionString, prefix, port);
            var after = new[] { await Submit(client), await Submit(client) };
            await watching.WaitAsync(stop.Token);

            Assert.Equal(before.Concat(after).Order(), received.Order());
        }
        finally
        {
            await agents.StopAsync(CancellationToken.None);
            agents.Dispose();
            await TestHub.StopAsync(second ?? first);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> Submit(NoCertHubClient client)
    {
        var request = new VerificationRequest
        {
            ItemCode = "JJ-MZ-001",
            Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X", Name = "张伟" },
            CaseNumber = "JJ-2026-RESTART",
            Purpose = "restart test",
            Requester = new Requester { Department = "jj-e2e-window", Window = "w-restart", Officer = "officer-e2e" },
        };
        request.Claims["marital_status"] = "已婚";
        // Right after a restart the channel may still be backing off: Unavailable is the retryable
        // answer, and a window retries it. The agent reconnects by itself; Verify waits for it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await client.VerifyAsync(request, TimeSpan.FromSeconds(20))).RequestId;
            }
            catch (HubUnavailableException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task Until(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(20, cancellationToken);
        }
    }
}
