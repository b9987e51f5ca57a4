using System.Reflection;

namespace NoCertHub.Testing;

/// <summary>
/// The source-generated log messages of an assembly ([LoggerMessage] methods) and their event ids,
/// for the tests that keep each id naming one kind of line: operators filter and alert on them.
/// </summary>
public static class LogEventIds
{
    /// <summary>Every [LoggerMessage] method, as "Class.Method", with its event id (0 when it sets none).</summary>
    public static IReadOnlyList<(string Method, int EventId)> Of(Assembly assembly) =>
        [.. assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.CustomAttributes
                .Where(a => a.AttributeType.Name == "LoggerMessageAttribute")
                .Select(a => ($"{m.DeclaringType!.Name}.{m.Name}", EventId(a))))];

    /// <summary>Problems to fix: messages without an id, and ids shared by several messages.</summary>
    public static IReadOnlyList<string> Problems(Assembly assembly)
    {
        var messages = Of(assembly);
        var missing = messages.Where(m => m.EventId <= 0).Select(m => $"{m.Method} has no event id");
        var shared = messages.Where(m => m.EventId > 0).GroupBy(m => m.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} is used by {string.Join(", ", g.Select(m => m.Method))}");
        return [.. missing, .. shared];
    }

    private static int EventId(CustomAttributeData attribute)
    {
        var named = attribute.NamedArguments.FirstOrDefault(a => a.MemberName == "EventId");
        if (named.MemberName is not null)
        {
            return (int)named.TypedValue.Value!;
        }

        // The constructor form: [LoggerMessage(eventId, level, message)].
        return attribute.ConstructorArguments.FirstOrDefault(a => a.ArgumentType == typeof(int)).Value as int? ?? 0;
    }
}
