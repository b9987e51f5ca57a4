using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Storage;
using NoCertHub.Testing;
using StackExchange.Redis;
using Xunit;

namespace NoCertHub.Hub.Tests.Redis;

/// <summary>Against a real redis-server: the hub warns exactly when the server's persistence is weaker than the chosen promise.</summary>
[Trait(TestSpeed.Name, TestSpeed.Slow)]
public sealed class ExternalRedisDurabilityCheckTests
{
    [Theory]
    [InlineData("no", "everysec", "ProcessCrash", true)]
    [InlineData("yes", "no", "ProcessCrash", false)]
    [InlineData("yes", "everysec", "PowerLoss", true)]
    [InlineData("no", "always", "PowerLoss", true)]
    [InlineData("yes", "always", "PowerLoss", false)]
    public async Task Check_WarnsWhenTheServerKeepsLessThanThePromise(string appendOnly, string appendFsync, string promise, bool warned)
    {
        await using var server = await RedisServerProcess.StartAsync();
        using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var admin = redis.GetServer(redis.GetEndPoints()[0]);
        await admin.ConfigSetAsync("appendonly", appendOnly);
        await admin.ConfigSetAsync("appendfsync", appendFsync);
        var check = new ExternalRedisDurabilityCheck(
            Options.Create(new RedisOptions { ConnectionString = server.ConnectionString }),
            Options.Create(new StorageOptions { Durability = Enum.Parse<DurabilityPromise>(promise) }),
            NullLogger<ExternalRedisDurabilityCheck>.Instance);

        var warnings = await check.CheckAsync(CancellationToken.None);

        Assert.Equal(warned, warnings.Count == 1);
    }
}
