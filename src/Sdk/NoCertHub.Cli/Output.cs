using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace NoCertHub.Cli;

/// <summary>What a command prints: a table for people, or the hub's message as JSON for scripts.</summary>
internal sealed class Output(bool json)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation());

    public bool Json { get; } = json;

    /// <summary>Prints <paramref name="message"/> as JSON when asked, else the table of <paramref name="rows"/>.</summary>
    public void Print(IMessage message, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        if (Json)
        {
            Console.Out.WriteLine(Formatter.Format(message));
            return;
        }

        Table(headers, rows.ToList());
    }

    /// <summary>Prints <paramref name="message"/> as JSON when asked, else one "field: value" line per pair.</summary>
    public void Print(IMessage message, IEnumerable<(string Field, string Value)> fields)
    {
        if (Json)
        {
            Console.Out.WriteLine(Formatter.Format(message));
            return;
        }

        var list = fields.ToList();
        var width = list.Count == 0 ? 0 : list.Max(f => f.Field.Length);
        foreach (var (field, value) in list)
        {
            Console.Out.WriteLine($"{(field + ":").PadRight(width + 1)} {value}");
        }
    }

    public static string Time(Timestamp? t) => t is null ? "" : t.ToDateTimeOffset().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    public static string Span(Duration? d) => d is null ? "" : d.ToTimeSpan().ToString(@"d\.hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An enum value as people say it: SLA_CLASS_IMMEDIATE → immediate.</summary>
    public static string Name(System.Enum value, string prefix) =>
        value.ToString() is var s && s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : value.ToString();

    private static void Table(IReadOnlyList<string> headers, List<IReadOnlyList<string>> rows)
    {
        if (rows.Count == 0)
        {
            Console.Out.WriteLine("(none)");
            return;
        }

        // Column widths in display cells: a CJK character takes two.
        var widths = headers.Select((h, i) => Math.Max(Cells(h), rows.Max(r => Cells(r[i])))).ToArray();
        Console.Out.WriteLine(Line(headers, widths));
        Console.Out.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            Console.Out.WriteLine(Line(row, widths));
        }
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => c + new string(' ', widths[i] - Cells(c)))).TrimEnd();

    private static int Cells(string text) => text.Sum(c => c >= 0x1100 && (c <= 0x115F || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFF60)) ? 2 : 1);
}
