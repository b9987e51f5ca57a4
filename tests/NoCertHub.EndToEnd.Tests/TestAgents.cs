using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Agents.Hosting;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>Real department agents, over real SQLite legacy databases seeded from the shipped samples.</summary>
internal static class TestAgents
{
    public static DepartmentAgentOptions CivilAffairs(string directory, string agentId) => new()
    {
        Department = "jj-civil-affairs",
        AgentId = agentId,
        Capacity = 8,
        Database = Sqlite(directory, "civil-affairs-" + agentId, Path.Combine(AppContext.BaseDirectory, "samples", "civil-affairs.sql")),
        Items =
        {
            ["JJ-MZ-001"] = new ItemQueryOptions
            {
                Query = "SELECT full_name, marital_status FROM marriage_registry WHERE id_number = @SubjectId",
                Fields = { ["name"] = "full_name", ["marital_status"] = "marital_status" },
            },
        },
    };

    public static DepartmentAgentOptions PublicSecurity(string directory, string agentId) => new()
    {
        Department = "jj-public-security",
        AgentId = agentId,
        Capacity = 8,
        Database = Sqlite(directory, "public-security-" + agentId, Path.Combine(AppContext.BaseDirectory, "samples", "public-security.sql")),
        Items =
        {
            ["JJ-GA-001"] = new ItemQueryOptions { Query = "SELECT offence FROM criminal_records WHERE id_number = @SubjectId LIMIT 1", Expect = Expectation.Absent },
            ["JJ-GA-002"] = new ItemQueryOptions
            {
                Query = "SELECT full_name, household_address FROM residents WHERE id_number = @SubjectId",
                Fields = { ["name"] = "full_name", ["household_address"] = "household_address" },
            },
        },
    };

    /// <summary>The Haimen street office, whose residence check has no agent until a test starts one.</summary>
    public static DepartmentAgentOptions HaimenStreet(string directory, string agentId)
    {
        var seed = Path.Combine(directory, "haimen-" + agentId + ".sql");
        File.WriteAllText(seed, """
            CREATE TABLE residence_checks (id_number TEXT PRIMARY KEY, full_name TEXT NOT NULL, address TEXT NOT NULL, visited_by TEXT NOT NULL);
            INSERT INTO residence_checks VALUES ('33100219850312001X', '张伟', '椒江区海门街道东山路18号', 'grid-officer-chen');
            """);
        return new()
        {
            Department = "jj-haimen-street",
            AgentId = agentId,
            Capacity = 4,
            Database = Sqlite(directory, "haimen-" + agentId, seed),
            Items =
            {
                ["JJ-JD-001"] = new ItemQueryOptions
                {
                    Query = "SELECT full_name, address, visited_by FROM residence_checks WHERE id_number = @SubjectId",
                    Fields = { ["name"] = "full_name", ["address"] = "address" },
                    CheckedByColumn = "visited_by",
                },
            },
        };
    }

    /// <summary>The Haimen street office's on-site household checks: officers answer them through the work list.</summary>
    public static DepartmentAgentOptions HaimenStreetOnSite(string directory, string agentId) => new()
    {
        Department = "jj-haimen-street",
        AgentId = agentId,
        Capacity = 16,
        Database = Sqlite(directory, "haimen-onsite-" + agentId, Path.Combine(AppContext.BaseDirectory, "samples", "civil-affairs.sql")),
        OnSiteWorkList = Path.Combine(directory, "onsite", agentId + ".db"),
        Items = { ["JJ-JD-002"] = new ItemQueryOptions { OnSite = true } },
    };

    public static Task<AgentWorker> StartAsync(Uri hub, params DepartmentAgentOptions[] departments) => StartAsync(hub, metricsUrl: null, departments);

    /// <summary>Agents serving their own /metrics at <paramref name="metricsUrl"/>, as a deployed agent process does.</summary>
    public static Task<AgentWorker> StartAsync(Uri hub, Uri? metricsUrl, params DepartmentAgentOptions[] departments) =>
        StartAsync(hub, metricsUrl, caBundle: null, departments);

    /// <summary>Agents presenting their departments' certificates to a hub in certificate mode, trusting <paramref name="caBundle"/>.</summary>
    public static async Task<AgentWorker> StartAsync(Uri hub, Uri? metricsUrl, string? caBundle, params DepartmentAgentOptions[] departments)
    {
        var options = new AgentOptions { HubAddress = hub, CaBundle = caBundle ?? "", MetricsUrl = metricsUrl, ReconnectMin = TimeSpan.FromMilliseconds(50), ReconnectMax = TimeSpan.FromSeconds(1), WorkListPoll = TimeSpan.FromMilliseconds(100) };
        options.Departments.AddRange(departments);
        var worker = new AgentWorker(Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance);
        await worker.StartAsync(CancellationToken.None);
        await Task.WhenAll(worker.Agents.Select(a => a.Welcomed.Task)).WaitAsync(TimeSpan.FromSeconds(15));
        return worker;
    }

    private static LegacyDatabaseOptions Sqlite(string directory, string name, string seed) => new()
    {
        Provider = DatabaseProvider.Sqlite,
        ConnectionString = $"Data Source={Path.Combine(directory, "legacy", name + ".db")}",
        SeedScript = seed,
    };
}

/// <summary>Stops and disposes agents started by a test.</summary>
internal sealed class AgentRun(AgentWorker worker) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();
    }
}
