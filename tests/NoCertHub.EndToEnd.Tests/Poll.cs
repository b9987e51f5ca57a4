namespace NoCertHub.EndToEnd.Tests;

internal static class Poll
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Reads until the value is done or patience runs out; returns the last value read, for the test to assert on.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > until)
            {
                return value;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits until every hub has started three more overdue sweeps than it had when called: a hub
    /// sweeps one pass at a time, so at least two whole passes ran after this point. Any escalation
    /// still to be claimed twice would have been by then. Fails after patience.
    /// </summary>
    public static async Task ThreeMoreSweepsAsync(params Func<Task<string>>[] metricsOfEachHub)
    {
        await Task.WhenAll(metricsOfEachHub.Select(async metrics =>
        {
            var before = MetricsText.Sum(await metrics(), "nocert_sla_sweeps_total");
            var now = await UntilAsync(async () => MetricsText.Sum(await metrics(), "nocert_sla_sweeps_total"), s => s >= before + 3);
            Xunit.Assert.True(now >= before + 3, $"the hub swept {now - before} times in {Patience}, not 3 (is Sla:SafetyNetInterval short?)");
        }));
    }
}
