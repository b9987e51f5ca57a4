using System.Buffers;
using System.Globalization;

namespace NoCertHub.Hub.Core;

/// <summary>
/// The checks every text a caller sends goes through before the hub stores, logs or repeats it:
/// bounded length, no control characters (NUL, BEL, line breaks) and no bidirectional overrides
/// that would make a record read differently from what it holds; identifiers from a small alphabet.
/// A refusal names the field and never repeats more than a short prefix of the text.
/// </summary>
internal static class TextFields
{
    private static readonly SearchValues<char> IdentifierChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    /// <summary>Non-empty, at most <paramref name="maxLength"/> characters, no control or bidi-override characters.</summary>
    public static void Require(string value, string field, int maxLength, string? why = null)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw RequestRefusedException.Invalid(why is null ? $"{field} is required" : $"{field} is required: {why}");
        }

        if (value.Length > maxLength)
        {
            throw RequestRefusedException.Invalid($"{field} is longer than {maxLength} characters");
        }

        RejectControl(value, field);
    }

    /// <summary>Letters, digits, '.', '_' and '-' only, at most <paramref name="maxLength"/>.</summary>
    public static void RequireIdentifier(string value, string field, int maxLength = 64)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw RequestRefusedException.Invalid($"{field} is required");
        }

        if (value.Length > maxLength)
        {
            throw RequestRefusedException.Invalid($"{field} is longer than {maxLength} characters");
        }

        if (value.AsSpan().ContainsAnyExcept(IdentifierChars))
        {
            throw RequestRefusedException.Invalid($"{field} may contain only letters, digits, '.', '_' and '-'");
        }
    }

    /// <summary>Refuses control characters (category Cc) and the bidirectional embedding, override and isolate marks.</summary>
    public static void RejectControl(string value, string field)
    {
        if (ControlProblem(value, field) is { } problem)
        {
            throw RequestRefusedException.Invalid(problem);
        }
    }

    /// <summary>What is wrong with <paramref name="value"/> if it holds a control or bidi-override character; otherwise null.</summary>
    public static string? ControlProblem(string value, string field) =>
        FirstControl(value) is var at and >= 0
            ? $"{field} contains the control character U+{((int)value[at]).ToString("X4", CultureInfo.InvariantCulture)}; records hold printable text only"
            : null;

    /// <summary>Where the first control or bidi-override character of <paramref name="value"/> is, or -1.</summary>
    public static int FirstControl(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Text from a caller as a refusal may quote it: at most 64 characters.</summary>
    public static string Quoted(string value) => value.Length <= 64 ? value : value[..63] + "…";
}
