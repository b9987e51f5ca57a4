using Microsoft.Extensions.Options;
using NoCertHub.Hub.Redis;
using Xunit;

namespace NoCertHub.Hub.Tests.Redis;

public sealed class RedisOptionsTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("200001")]
    public void WindowHistory_OutsideWhatOneStringHolds_IsRefusedWithTheSettingsName(string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(("Redis:WindowHistory", value)).Value);

        Assert.Contains("Redis:WindowHistory must be between 1 and 200000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WindowHistory_AtItsLimit_IsTaken() => Assert.Equal(200_000, Options(("Redis:WindowHistory", "200000")).Value.WindowHistory);

    [Fact]
    public void MinReplicasAcked_OnTheEmbeddedGarnet_IsRefused_ItHasNoReplicas()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(("Redis:MinReplicasAcked", "1")).Value);

        Assert.Contains("Redis:MinReplicasAcked needs an external Redis", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MinReplicasAcked_WithAnExternalRedis_IsTaken() =>
        Assert.Equal(2, Options(("Redis:MinReplicasAcked", "2"), ("Redis:ConnectionString", "127.0.0.1:6379")).Value.MinReplicasAcked);

    private static IOptions<RedisOptions> Options(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddRedis();
        return services.BuildServiceProvider().GetRequiredService<IOptions<RedisOptions>>();
    }
}
