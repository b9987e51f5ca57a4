using NoCertHub.V1;

namespace NoCertHub.Hub.Routing;

/// <summary>One department's queued and in-flight work and its agents, as the dispatcher sees it now.</summary>
internal sealed record DepartmentLoad(string Department, IReadOnlyDictionary<SlaClass, int> Pending, IReadOnlyList<DateTimeOffset> Deadlines, int Agents, int InFlight, int Capacity);
