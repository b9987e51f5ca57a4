using NoCertHub.Hub.Evaluation;
using NoCertHub.Hub.Hosting;
using Xunit;

namespace NoCertHub.Hub.Tests.Evaluation;

/// <summary>seed-demo: a month with something to show, its signed report written, and never on top of real records.</summary>
public sealed class DemoMonthTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-demo-").FullName;

    [Fact]
    public async Task DemoMonth_RanksTheSlowDepartmentLast_SignsItsReport_AndRefusesAFolderWithRecords()
    {
        await using var app = Build();
        var output = new StringWriter();

        var first = await DemoMonthCommand.RunAsync(app.Services, ["seed-demo", "2026-11"], output);
        var report = await app.Services.GetRequiredService<EvaluationReports>().EvaluateAsync(null, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(8)),
            new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.FromHours(8)), CancellationToken.None);
        var again = await DemoMonthCommand.RunAsync(app.Services, ["seed-demo", "2026-11"], output);
        var verified = await ReportVerifyCommand.RunAsync(app.Services, ["verify-report", Path.Combine(_directory, "reports", "report-2026-11.json")], output);

        Assert.Equal(0, first);
        Assert.Equal(6, report.Departments.Count);
        Assert.Equal("jj-human-resources", report.Departments[^1].Department);
        Assert.All(report.Departments, d => Assert.True(d.Answered > 300, $"{d.Department}: {d.Answered} answers"));
        Assert.Contains(report.Departments, d => d.Overdue > 0 && d.ComplaintsUpheld > 0 && d.RequestsForItemsOutOfForce > 50);
        Assert.Equal(3, report.Departments.Sum(d => d.MisuseFindings));
        Assert.Equal(2, again);
        Assert.Contains("already holds records", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, verified);
        Assert.Contains("intact", output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private WebApplication Build()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = _directory, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Catalog:ConnectionString"] = $"Data Source={Path.Combine(_directory, "catalog.db")}",
            ["Complaints:ConnectionString"] = $"Data Source={Path.Combine(_directory, "complaints.db")}",
            ["Audit:ConnectionString"] = $"Data Source={Path.Combine(_directory, "audit.db")}",
            ["Audit:SubjectKeyPath"] = Path.Combine(_directory, "keys", "subject.key"),
            ["Audit:SigningKeyPath"] = Path.Combine(_directory, "keys", "signing.pem"),
            ["Audit:CheckpointDirectory"] = Path.Combine(_directory, "checkpoints"),
            ["Evaluation:ReportDirectory"] = Path.Combine(_directory, "reports"),
        });
        builder.Services.AddNoCertHub();
        return builder.Build();
    }
}
