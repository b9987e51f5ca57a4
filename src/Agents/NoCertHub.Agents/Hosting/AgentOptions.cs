namespace NoCertHub.Agents.Hosting;

internal sealed class AgentOptions
{
    public const string Section = "Agent";

    public Uri HubAddress { get; set; } = new("https://127.0.0.1:5080");

    /// <summary>PEM file of the CA certificate(s) the hub's certificate must chain to (the district's CA); empty: the machine's trust store.</summary>
    public string CaBundle { get; set; } = "";

    /// <summary>
    /// The agent's data folder (sample legacy databases, on-site work lists), relative to the working
    /// directory. The agent locks it while it runs: a second agent process on the same folder refuses to start.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    public TimeSpan ReconnectMin { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan ReconnectMax { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Where this agent process serves Prometheus metrics, e.g. http://127.0.0.1:5091/metrics; empty: none.</summary>
    public Uri? MetricsUrl { get; set; }

    /// <summary>How often an agent with on-site items looks for answers officers have recorded.</summary>
    public TimeSpan WorkListPoll { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>One entry per department this process answers for (a street platform may host several, Art. 14).</summary>
    public List<DepartmentAgentOptions> Departments { get; set; } = [];
}

internal sealed class DepartmentAgentOptions
{
    public string Department { get; set; } = "";

    /// <summary>Unique per running agent; default: department, machine and process id.</summary>
    public string? AgentId { get; set; }

    /// <summary>
    /// This agent's certificate and private key (PEM), issued by the district's CA with role agent,
    /// this department as OU and the agent id as CN: the hub lets it answer only this department's
    /// items, under that id. Empty: no certificate (a hub in insecure loopback mode only).
    /// </summary>
    public string Certificate { get; set; } = "";

    public string CertificateKey { get; set; } = "";

    /// <summary>How many tasks this agent takes at once.</summary>
    public int Capacity { get; set; } = 32;

    public LegacyDatabaseOptions Database { get; set; } = new();

    /// <summary>
    /// The on-site work list (a SQLite file) for this department's on-site items; default
    /// data/onsite/{Department}.db under the working directory.
    /// </summary>
    public string? OnSiteWorkList { get; set; }

    public string OnSiteWorkListPath => OnSiteWorkList ?? Path.Combine("data", "onsite", Department + ".db");

    /// <summary>By item code: how to answer it from the legacy database.</summary>
    public Dictionary<string, ItemQueryOptions> Items { get; set; } = new(StringComparer.Ordinal);
}

internal enum DatabaseProvider
{
    Sqlite,
    SqlServer,
}

internal sealed class LegacyDatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Sample data only: a SQL script run to create a SQLite database that does not exist yet.
    /// Relative to the agent's base directory.
    /// </summary>
    public string? SeedScript { get; set; }
}

internal enum Expectation
{
    /// <summary>The claim is about a record that should exist; its fields are compared.</summary>
    Present,

    /// <summary>The claim is that no record exists (e.g. no criminal record): a row contradicts it.</summary>
    Absent,
}

internal sealed class ItemQueryOptions
{
    /// <summary>
    /// A parameterised query returning at most the subject's record. Parameters: @SubjectId,
    /// @SubjectName, @SubjectKind. Nothing from a request is ever spliced into the text.
    /// </summary>
    public string Query { get; set; } = "";

    public Expectation Expect { get; set; } = Expectation.Present;

    /// <summary>Claimed field name → column of the query's row.</summary>
    public Dictionary<string, string> Fields { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// For an on-site item (Art. 13): the column naming the officer who made the check, as the
    /// street's grassroots platform records it. The hub refuses an on-site answer without one.
    /// </summary>
    public string? CheckedByColumn { get; set; }

    /// <summary>
    /// Answered by an officer after an on-site check (Art. 13), not by a query: the task goes on
    /// the department's on-site work list and its answer is sent when an officer records it
    /// (<c>NoCertHub.Agents onsite answer</c>).
    /// </summary>
    public bool OnSite { get; set; }
}
