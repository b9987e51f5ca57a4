using NoCertHub.Agents.Checking;
using NoCertHub.Agents.Hosting;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Agents.Tests.Checking;

/// <summary>Claims checked against a real SQLite legacy database seeded from the shipped sample.</summary>
public sealed class ClaimCheckerTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-agent-").FullName;
    private LegacyDatabase _database = null!;

    private static readonly Dictionary<string, ItemQueryOptions> Items = new()
    {
        ["JJ-GA-001"] = new() { Query = "SELECT offence FROM criminal_records WHERE id_number = @SubjectId LIMIT 1", Expect = Expectation.Absent },
        ["JJ-GA-002"] = new()
        {
            Query = "SELECT full_name, household_address FROM residents WHERE id_number = @SubjectId",
            Fields = { ["name"] = "full_name", ["household_address"] = "household_address" },
        },
    };

    public async Task InitializeAsync()
    {
        _database = new LegacyDatabase(new LegacyDatabaseOptions
        {
            ConnectionString = $"Data Source={Path.Combine(_directory, "ps.db")};Pooling=False",
            SeedScript = Path.Combine(AppContext.BaseDirectory, "samples", "public-security.sql"),
        });
        await _database.SeedIfMissingAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Check_ClaimsDifferingOnlyInWidthCaseOrSpaces_Match()
    {
        var result = await Check(NewTask("JJ-GA-002", "33100219850312001X", ("name", " 张伟 "), ("household_address", "椒江区海门街道东山路１８号")));

        Assert.Equal(Verdict.Match, result.Verdict);
        Assert.All(result.Fields, f => Assert.Equal(FieldVerdictKind.Match, f.Verdict));
    }

    [Fact]
    public async Task Check_RecordWithoutValueForAClaimedField_NeedsSupplement()
    {
        await using (var connection = _database.Open())
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE residents SET household_address = NULL WHERE id_number = '331002199007210029'";
            await command.ExecuteNonQueryAsync();
        }

        var result = await Check(NewTask("JJ-GA-002", "331002199007210029", ("name", "李娜"), ("household_address", "somewhere")));

        Assert.Equal(Verdict.NeedsSupplement, result.Verdict);
        Assert.Equal(FieldVerdictKind.NotFound, result.Fields.Single(f => f.Field == "household_address").Verdict);
    }

    [Fact]
    public async Task Check_DisclosesOnlyTheFieldsTheHubAllows()
    {
        var withoutPermission = await Check(NewTask("JJ-GA-002", "331002199007210029", ("name", "李娜")));
        var task = NewTask("JJ-GA-002", "331002199007210029", ("name", "李娜"));
        task.DisclosableFields.Add("household_address");
        var withPermission = await Check(task);

        Assert.Empty(withoutPermission.Disclosed);
        Assert.Equal("椒江区白云街道市府大道66号", Assert.Single(withPermission.Disclosed).Value);
    }

    [Fact]
    public async Task Check_AbsenceClaim_MismatchesWhenARecordIsHeld()
    {
        Assert.Equal(Verdict.Match, (await Check(NewTask("JJ-GA-001", "33100219850312001X"))).Verdict);
        Assert.Equal(Verdict.Mismatch, (await Check(NewTask("JJ-GA-001", "331002199501300046"))).Verdict);
    }

    [Fact]
    public async Task Check_SubjectCarryingSqlText_IsOnlyEverAParameter()
    {
        var result = await Check(NewTask("JJ-GA-002", "x' OR '1'='1", ("name", "张伟")));

        Assert.Equal(Verdict.NotFound, result.Verdict);
        await using var connection = _database.Open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM residents";
        Assert.Equal(5L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Check_ItemWithoutAConfiguredQuery_IsRefusedWithAReason()
    {
        var result = await Check(NewTask("JJ-MZ-001", "33100219850312001X"));

        Assert.Equal(Verdict.Refused, result.Verdict);
        Assert.Contains("JJ-MZ-001", result.Note, StringComparison.Ordinal);
    }

    private Task<TaskResult> Check(VerificationTask task) => new ClaimChecker(_database, Items).CheckAsync(task, CancellationToken.None);

    private static VerificationTask NewTask(string item, string subject, params (string Field, string Value)[] claims)
    {
        var task = new VerificationTask
        {
            RequestId = "r00-" + Guid.NewGuid().ToString("N"),
            ItemCode = item,
            Subject = new Subject { Kind = SubjectKind.Person, Id = subject },
        };
        foreach (var (field, value) in claims)
        {
            task.Claims[field] = value;
        }

        return task;
    }
}
