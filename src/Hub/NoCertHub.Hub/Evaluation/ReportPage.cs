using System.Globalization;
using System.Net;
using System.Text;
using NoCertHub.V1;

namespace NoCertHub.Hub.Evaluation;

/// <summary>
/// A report as one self-contained HTML page for the joint office: the league table, on-time rate
/// week by week, each department's answer-time distribution and complaints by kind, the charts
/// drawn here as inline SVG. No script and nothing fetched: it opens from a file, offline.
/// </summary>
internal static class ReportPage
{
    private static readonly string[] Palette =
        ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    private static readonly string[] BucketColors =
        ["#0b6e4f", "#3a9d5d", "#8cc084", "#d9ed92", "#fde68a", "#f6a04d", "#e4572e", "#8e1c1c"];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(DepartmentReport report, string period, string jsonSha256, string signature)
    {
        var from = report.From.ToDateTimeOffset();
        var to = report.To.ToDateTimeOffset();
        var html = new StringBuilder();
        html.Append(Inv, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>NoCertHub department evaluation {E(period)}</title>
            <style>
            body {"{"} font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1b1b1b; padding: 0 1rem; {"}"}
            h1 {"{"} font-size: 1.6rem; margin-bottom: .2rem; {"}"} h2 {"{"} font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ccc; {"}"}
            table {"{"} border-collapse: collapse; width: 100%; font-size: .9rem; {"}"}
            th, td {"{"} border-bottom: 1px solid #e3e3e3; padding: .35rem .5rem; text-align: right; {"}"}
            th:nth-child(2), td:nth-child(2) {"{"} text-align: left; {"}"}
            thead th {"{"} background: #f3f5f7; {"}"}
            .meta {"{"} color: #555; font-size: .85rem; {"}"} .sig {"{"} font-family: monospace; font-size: .75rem; word-break: break-all; color: #444; {"}"}
            figure {"{"} margin: 1rem 0; {"}"} figcaption {"{"} font-size: .85rem; color: #555; {"}"}
            </style></head><body>
            <h1>Department evaluation, {E(period)}</h1>
            <p class="meta">Articles 18–19 of the Jiaojiang District measures. Period {from.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} to {to.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} (UTC+8, end exclusive);
            made {report.GeneratedAt.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss} UTC from the audit trail up to position {report.AuditPosition} (chain hash {E(report.AuditChainHead)}).</p>
            """);

        html.Append("<h2>League table</h2>\n<table><thead><tr><th>Rank</th><th>Department</th><th>Score</th><th>Answered</th><th>On time</th><th>p50 / p90 answer</th>" +
            "<th>Overdue (hours)</th><th>Out-of-force requests</th><th>Supplements / voluntary</th><th>Complaints (upheld)</th><th>Misuse findings (upheld)</th></tr></thead><tbody>\n");
        foreach (var d in report.Departments)
        {
            html.Append(Inv, $"<tr><td>{d.Rank}</td><td>{E(d.Department)}</td><td><b>{d.Score:0.0}</b></td><td>{d.Answered:N0}</td><td>{Rate(d.AnsweredOnTime, d.Answered)}</td>" +
                $"<td>{Duration(d.AnswerSecondsP50)} / {Duration(d.AnswerSecondsP90)}</td><td>{d.Overdue:N0} ({d.OverdueHours:0.0})</td><td>{d.RequestsForItemsOutOfForce:N0} of {d.RequestsMade:N0}</td>" +
                $"<td>{d.SupplementsRequested:N0} / {d.VoluntaryProvisions:N0}</td><td>{d.Complaints:N0} ({d.ComplaintsUpheld:N0})</td><td>{d.MisuseFindings:N0} ({d.MisuseFindingsUpheld:N0})</td></tr>\n");
        }

        var w = report.Weights;
        html.Append(Inv, $"</tbody></table>\n<p class=\"meta\">Score = 100 × weighted mean of: on time ({w.OnTime:0.##}), answered within half the time allowed ({w.Speed:0.##}), " +
            $"own requests not for items out of force ({w.Requests:0.##}), complaints (1 − {w.ComplaintPenalty:0.##} per upheld complaint; {w.Complaints:0.##}), " +
            $"misuse (1 − {w.FindingPenalty:0.##} per upheld finding; {w.Misuse:0.##}).</p>\n");

        html.Append("<h2>On-time rate, week by week</h2>\n").Append(OnTimeChart(report)).Append('\n');
        html.Append("<h2>Answer time, per department</h2>\n").Append(AnswerTimeChart(report)).Append('\n');
        html.Append("<h2>Complaints by kind</h2>\n").Append(ComplaintChart(report)).Append('\n');
        html.Append("<h2>Refusals of each department's requests, by reason</h2>\n<table><thead><tr><th>Requests</th><th>Department</th><th>Refusals by reason</th></tr></thead><tbody>\n");
        foreach (var d in report.Departments.OrderBy(d => d.Department, StringComparer.Ordinal))
        {
            var reasons = d.RefusalsByReason.Count == 0 ? "none" : string.Join("; ", d.RefusalsByReason.Select(r => $"{E(r.Key)}: {r.Count.ToString("N0", Inv)}"));
            html.Append(Inv, $"<tr><td>{d.RequestsMade:N0}</td><td>{E(d.Department)}</td><td style=\"text-align:left\">{reasons}</td></tr>\n");
        }

        html.Append(Inv, $"""
            </tbody></table>
            <h2>Signature</h2>
            <p class="meta">The figures are those of <code>report-{E(period)}.json</code> (SHA-256 {jsonSha256}), signed with the hub's audit key;
            check with <code>NoCertHub.Hub verify-report report-{E(period)}.json</code>.</p>
            <p class="sig">{E(signature)}</p>
            </body></html>
            """);
        return html.ToString();
    }

    private static string OnTimeChart(DepartmentReport report)
    {
        const int width = 900, height = 320, left = 50, right = 190, top = 15, bottom = 40;
        var plotWidth = width - left - right;
        var plotHeight = height - top - bottom;
        var weeks = report.Weeks.Count;
        double X(int i) => left + (weeks <= 1 ? plotWidth / 2.0 : plotWidth * i / (double)(weeks - 1));
        double Y(double rate) => top + (plotHeight * (1 - rate));
        var svg = new StringBuilder();
        svg.Append(Inv, $"<figure><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"on-time-chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"On-time rate per week\">\n");
        foreach (var tick in new[] { 0, 0.25, 0.5, 0.75, 1 })
        {
            svg.Append(Inv, $"<line x1=\"{left}\" x2=\"{left + plotWidth}\" y1=\"{Y(tick):0.#}\" y2=\"{Y(tick):0.#}\" stroke=\"#ddd\"/><text x=\"{left - 6}\" y=\"{Y(tick) + 4:0.#}\" font-size=\"11\" text-anchor=\"end\">{tick * 100:0} %</text>\n");
        }

        for (var i = 0; i < weeks; i++)
        {
            svg.Append(Inv, $"<text x=\"{X(i):0.#}\" y=\"{height - 18}\" font-size=\"11\" text-anchor=\"middle\">week of {report.Weeks[i].ToDateTimeOffset().ToOffset(TimeSpan.FromHours(8)):MM-dd}</text>\n");
        }

        var n = 0;
        foreach (var d in report.Departments)
        {
            var color = Palette[n % Palette.Length];
            var points = d.OnTimeByWeek.Select((rate, i) => (rate, i)).Where(p => p.rate >= 0).ToList();
            if (points.Count > 1)
            {
                svg.Append(Inv, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(' ', points.Select(p => string.Create(Inv, $"{X(p.i):0.#},{Y(p.rate):0.#}")))}\"/>\n");
            }

            foreach (var (rate, i) in points)
            {
                svg.Append(Inv, $"<circle cx=\"{X(i):0.#}\" cy=\"{Y(rate):0.#}\" r=\"3\" fill=\"{color}\"><title>{E(d.Department)}: {rate * 100:0.#} %</title></circle>\n");
            }

            svg.Append(Inv, $"<rect x=\"{width - right + 15}\" y=\"{top + (n * 18)}\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{width - right + 32}\" y=\"{top + (n * 18) + 10}\" font-size=\"11\">{E(d.Department)}</text>\n");
            n++;
        }

        svg.Append("</svg><figcaption>Share of each week's answers given by their deadline; a week with no answers has no point.</figcaption></figure>");
        return svg.ToString();
    }

    private static string AnswerTimeChart(DepartmentReport report)
    {
        const int width = 900, left = 190, right = 20, row = 26, top = 10;
        var plotWidth = width - left - right;
        var height = top + (report.Departments.Count * row) + 50;
        var svg = new StringBuilder();
        svg.Append(Inv, $"<figure><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"answer-time-chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Answer time distribution per department\">\n");
        var r = 0;
        foreach (var d in report.Departments.OrderBy(d => d.Department, StringComparer.Ordinal))
        {
            var y = top + (r * row);
            svg.Append(Inv, $"<text x=\"{left - 8}\" y=\"{y + 15}\" font-size=\"11\" text-anchor=\"end\">{E(d.Department)}</text>\n");
            var total = d.AnswerTimeDistribution.Sum(b => b.Count);
            double x = left;
            for (var b = 0; b < d.AnswerTimeDistribution.Count && total > 0; b++)
            {
                var bucket = d.AnswerTimeDistribution[b];
                var barWidth = plotWidth * bucket.Count / (double)total;
                if (barWidth > 0)
                {
                    svg.Append(Inv, $"<rect x=\"{x:0.#}\" y=\"{y + 3}\" width=\"{barWidth:0.#}\" height=\"{row - 8}\" fill=\"{BucketColors[b % BucketColors.Length]}\"><title>{E(d.Department)}, {E(bucket.Key)}: {bucket.Count:N0}</title></rect>\n");
                }

                x += barWidth;
            }

            if (total == 0)
            {
                svg.Append(Inv, $"<text x=\"{left + 4}\" y=\"{y + 15}\" font-size=\"11\" fill=\"#777\">no answers</text>\n");
            }

            r++;
        }

        var legendY = top + (report.Departments.Count * row) + 20;
        for (var b = 0; b < DepartmentEvaluator.AnswerTimeBuckets.Count; b++)
        {
            var x = left + (b * 85);
            svg.Append(Inv, $"<rect x=\"{x}\" y=\"{legendY}\" width=\"12\" height=\"12\" fill=\"{BucketColors[b]}\"/><text x=\"{x + 16}\" y=\"{legendY + 10}\" font-size=\"10\">{E(DepartmentEvaluator.AnswerTimeBuckets[b].Label)}</text>\n");
        }

        svg.Append("</svg><figcaption>Each bar is a department's answers in the period, split by the time from receipt to answer.</figcaption></figure>");
        return svg.ToString();
    }

    private static string ComplaintChart(DepartmentReport report)
    {
        var kinds = new[] { ComplaintKind.CancelledCertificateDemanded, ComplaintKind.CheckOverdue, ComplaintKind.DataMisuse, ComplaintKind.Other }
            .Select(DepartmentEvaluator.KindName).ToList();
        var totals = kinds.Select(k => report.Departments.Sum(d => d.ComplaintsByKind.Where(c => c.Key == k).Sum(c => c.Count))).ToList();
        var upheld = report.Departments.Sum(d => d.ComplaintsUpheld);
        const int width = 900, left = 230, right = 60, row = 30, top = 10;
        var height = top + (kinds.Count * row) + 10;
        var max = Math.Max(1, totals.Max());
        var svg = new StringBuilder();
        svg.Append(Inv, $"<figure><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"complaints-chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Complaints by kind\">\n");
        for (var i = 0; i < kinds.Count; i++)
        {
            var y = top + (i * row);
            var barWidth = (width - left - right) * totals[i] / (double)max;
            svg.Append(Inv, $"<text x=\"{left - 8}\" y=\"{y + 17}\" font-size=\"11\" text-anchor=\"end\">{E(kinds[i])}</text>" +
                $"<rect x=\"{left}\" y=\"{y + 4}\" width=\"{barWidth:0.#}\" height=\"{row - 10}\" fill=\"#4e79a7\"/>" +
                $"<text x=\"{left + barWidth + 6:0.#}\" y=\"{y + 17}\" font-size=\"11\">{totals[i]:N0}</text>\n");
        }

        svg.Append(Inv, $"</svg><figcaption>Complaints received in the period (Art. 15), all departments; {upheld:N0} upheld so far.</figcaption></figure>");
        return svg.ToString();
    }

    private static string Rate(long part, long whole) => whole == 0 ? "–" : string.Create(Inv, $"{100.0 * part / whole:0.0} %");

    private static string Duration(double seconds) => seconds switch
    {
        < 1 => string.Create(Inv, $"{seconds * 1000:0} ms"),
        < 120 => string.Create(Inv, $"{seconds:0.#} s"),
        < 7200 => string.Create(Inv, $"{seconds / 60:0.#} min"),
        _ => string.Create(Inv, $"{seconds / 3600:0.#} h"),
    };

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
