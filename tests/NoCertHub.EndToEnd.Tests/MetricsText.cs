using System.Globalization;
using System.Text.RegularExpressions;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>Reads values out of a Prometheus text exposition.</summary>
internal static partial class MetricsText
{
    /// <summary>The sample of <paramref name="name"/> whose labels are exactly <paramref name="labels"/>; 0 when absent.</summary>
    public static double Value(string exposition, string name, string labels) =>
        Samples(exposition, name).Where(s => s.Labels == labels).Sum(s => s.Value);

    /// <summary>What an in-process hub's /metrics would show now: its registry, exported as Prometheus scrapes it.</summary>
    public static string Of(WebApplication hub)
    {
        using var text = new MemoryStream();
        hub.Services.GetRequiredService<Prometheus.CollectorRegistry>().CollectAndExportAsTextAsync(text).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(text.ToArray());
    }

    /// <summary>All samples of <paramref name="name"/> added up, whatever their labels.</summary>
    public static double Sum(string exposition, string name) => Samples(exposition, name).Sum(s => s.Value);

    private static IEnumerable<(string Labels, double Value)> Samples(string exposition, string name) =>
        Sample().Matches(exposition)
            .Where(m => m.Groups["name"].Value == name)
            .Select(m => (m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
