namespace NoCertHub.Testing;

/// <summary>
/// The trait that separates slow tests (a real Redis, a hub or agent process, a store of thousands
/// of records) from fast ones, so a developer can run the fast ones in seconds:
/// <c>dotnet test tests/NoCertHub.Hub.Tests --filter "Speed!=Slow"</c>.
/// </summary>
public static class TestSpeed
{
    public const string Name = "Speed";

    public const string Slow = "Slow";
}
