using System.Collections;
using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using NoCertHub.Hub.Core;

namespace NoCertHub.Hub.Hosting;

/// <summary>
/// The limits every field of every request meets before a service sees it, checked in one place
/// for the whole protocol (new fields and new RPCs included), from the message's own descriptor:
/// no text over <see cref="MaxTextLength"/> characters, no control or bidirectional-override
/// characters, times and durations within what protobuf defines. Services add their own, tighter
/// rules (identifiers, the lengths each field needs) on top. A problem names the field by its path
/// and never quotes the value.
/// </summary>
internal static class RequestFields
{
    /// <summary>The longest text any field of any request may hold; no field needs more.</summary>
    public const int MaxTextLength = 4096;

    // Valid ranges from google/protobuf/timestamp.proto and duration.proto.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    private const long MaxDurationSeconds = 315_576_000_000;

    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor[]> Checked = new();

    // What a walk without paths returns for any problem: most requests have none, so the field
    // paths (a string per field) are built only by the second walk, for the refusal's words.
    private const string Found = "";

    /// <summary>What is wrong with <paramref name="message"/>, or null; <paramref name="text"/> false checks only times and durations.</summary>
    public static string? Problem(IMessage message, bool text = true) =>
        Walk(message, null, text) is null ? null : Walk(message, "", text);

    /// <summary>The first problem, named by <paramref name="path"/>; with no path (null) <see cref="Found"/> stands for it.</summary>
    private static string? Walk(IMessage message, string? path, bool text)
    {
        var descriptor = message.Descriptor;
        if (descriptor.FullName == Timestamp.Descriptor.FullName)
        {
            var t = (Timestamp)message;
            return t.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || t.Nanos is < 0 or > 999_999_999
                ? path is null ? Found : $"{Name(path)} is not a valid time (years 1 to 9999)" : null;
        }

        if (descriptor.FullName == Duration.Descriptor.FullName)
        {
            var d = (Duration)message;
            return d.Seconds is < -MaxDurationSeconds or > MaxDurationSeconds || d.Nanos is < -999_999_999 or > 999_999_999 || (d.Seconds != 0 && d.Nanos != 0 && (d.Seconds < 0) != (d.Nanos < 0))
                ? path is null ? Found : $"{Name(path)} is not a valid duration" : null;
        }

        foreach (var field in Checked.GetOrAdd(descriptor, Relevant))
        {
            var value = field.Accessor.GetValue(message);
            var at = path is null ? null : path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            var problem = field.IsMap ? Map((IDictionary)value, field, at, text)
                : field.IsRepeated ? Repeated((IList)value, field, at, text)
                : One(value, field, at, text);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Map(IDictionary map, FieldDescriptor field, string? at, bool text)
    {
        var key = field.MessageType.FindFieldByNumber(1);
        var value = field.MessageType.FindFieldByNumber(2);
        foreach (DictionaryEntry entry in map)
        {
            if ((One(entry.Key, key, at is null ? null : at + " key", text) ?? One(entry.Value, value, at is null ? null : at + " value", text)) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Repeated(IList items, FieldDescriptor field, string? at, bool text)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (One(items[i], field, at is null ? null : $"{at}[{i}]", text) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? One(object? value, FieldDescriptor field, string? at, bool text) => value switch
    {
        string s when text && s.Length > MaxTextLength => at is null ? Found : $"{at} is longer than {MaxTextLength} characters",
        string s when text => at is null ? (TextFields.FirstControl(s) < 0 ? null : Found) : TextFields.ControlProblem(s, at),
        IMessage m => Walk(m, at, text),
        _ => null,
    };

    private static string Name(string path) => path.Length == 0 ? "the message" : path;

    private static FieldDescriptor[] Relevant(MessageDescriptor descriptor) =>
        descriptor.Fields.InDeclarationOrder().Where(f => f.FieldType is FieldType.String or FieldType.Message or FieldType.Group).ToArray();
}
