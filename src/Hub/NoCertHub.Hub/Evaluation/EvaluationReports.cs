using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;
using NoCertHub.V1;

namespace NoCertHub.Hub.Evaluation;

/// <summary>
/// Makes the department evaluation for a period, and each month's signed report files:
/// <c>report-yyyy-MM.json</c> (the figures), <c>.json.sig</c> (their signature) and <c>.html</c>
/// (the page people read), in <see cref="EvaluationOptions.ReportDirectory"/>.
/// </summary>
internal sealed partial class EvaluationReports(EvaluationSources sources, AuditKeys keys, IOptions<EvaluationOptions> options, IOptions<SlaOptions> sla, TimeProvider time)
{
    /// <summary>The JSON as signed: every field, default values included, so a zero is a number in the file, not a missing key.</summary>
    public static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public string Directory => Path.GetFullPath(options.Value.ReportDirectory);

    private TimeSpan Offset => sla.Value.Calendar.UtcOffset;

    public async Task<DepartmentReport> EvaluateAsync(string? department, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var input = await sources.ReadAsync(from, to, cancellationToken);
        return DepartmentEvaluator.Evaluate(input, from, to, time.GetUtcNow(), options.Value, department);
    }

    /// <summary>A month in district time, [first day 00:00, next month's first day 00:00).</summary>
    public (DateTimeOffset From, DateTimeOffset To) Month(int year, int month)
    {
        var from = new DateTimeOffset(year, month, 1, 0, 0, 0, Offset);
        return (from, from.AddMonths(1));
    }

    /// <summary>The last month that has ended, in district time.</summary>
    public (int Year, int Month) LastFinishedMonth()
    {
        var now = time.GetUtcNow().ToOffset(Offset);
        var last = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(-1);
        return (last.Year, last.Month);
    }

    public static string PeriodName(int year, int month) => string.Create(CultureInfo.InvariantCulture, $"{year:0000}-{month:00}");

    /// <summary>Whether the month's report files are there.</summary>
    public bool Exists(int year, int month) => File.Exists(Path.Combine(Directory, $"report-{PeriodName(year, month)}.json"));

    /// <summary>Makes, signs and writes the month's report (every department); returns the JSON's path.</summary>
    public async Task<string> WriteMonthAsync(int year, int month, CancellationToken cancellationToken)
    {
        var (from, to) = Month(year, month);
        var report = await EvaluateAsync(null, from, to, cancellationToken);
        var period = PeriodName(year, month);
        var json = Encoding.UTF8.GetBytes(Json.Format(report));
        var signature = ReportSigner.Sign(json, keys);
        var html = ReportPage.Render(report, period, Convert.ToHexStringLower(SHA256.HashData(json)), signature);
        System.IO.Directory.CreateDirectory(Directory);
        var stem = Path.Combine(Directory, "report-" + period);
        // The page and the signature first, the JSON last: a report is listed once its JSON is there, and then it is whole.
        await WriteAtomicallyAsync(stem + ".html", Encoding.UTF8.GetBytes(html), cancellationToken);
        await WriteAtomicallyAsync(stem + ".json.sig", Encoding.ASCII.GetBytes(signature + "\n"), cancellationToken);
        await WriteAtomicallyAsync(stem + ".json", json, cancellationToken);
        return stem + ".json";
    }

    /// <summary>The periods with a report, newest first.</summary>
    public IReadOnlyList<string> List() =>
        !System.IO.Directory.Exists(Directory) ? []
            : [.. System.IO.Directory.EnumerateFiles(Directory, "report-*.json").Select(Path.GetFileName).OfType<string>()
                .Select(n => ReportFile().Match(n)).Where(m => m.Success && m.Groups["ext"].Value == "json").Select(m => m.Groups["period"].Value)
                .OrderDescending(StringComparer.Ordinal)];

    /// <summary>A report file's full path when <paramref name="name"/> is one (report-yyyy-MM.json, .json.sig or .html) and exists; else null.</summary>
    public string? FileOf(string name)
    {
        if (!ReportFile().IsMatch(name))
        {
            return null;
        }

        var path = Path.Combine(Directory, name);
        return File.Exists(path) ? path : null;
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await file.WriteAsync(bytes, cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    [GeneratedRegex(@"^report-(?<period>\d{4}-\d{2})\.(?<ext>json|json\.sig|html)$")]
    private static partial Regex ReportFile();
}
