using Google.Protobuf.WellKnownTypes;
using NoCertHub.Agents.OnSite;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Agents.Tests;

public sealed class OnSiteWorkListTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-onsite-").FullName;

    [Theory]
    [InlineData("maybe", "grid-officer", "household_income=match", "", "verdict 'maybe' is not one of")]
    [InlineData("match", " ", "household_income=match", "", "the officer who made the check is required")]
    [InlineData("match", "grid-officer", "address=match", "", "field 'address' was not claimed")]
    [InlineData("match", "grid-officer", "household_income=probably", "", "'probably' is not one of match, mismatch, not-found")]
    [InlineData("match", "grid-officer", "household_income=match", "name=李娜", "field 'name' may not be disclosed")]
    public async Task AnswerTheTaskCannotTake_IsRefusedNamingTheProblem_AndNothingIsRecorded(string verdict, string officer, string field, string disclose, string message)
    {
        var list = await ListWithTaskAsync();

        var error = await Assert.ThrowsAsync<OnSiteException>(() => list.AnswerAsync("r1", verdict, officer, Pair(field), Pair(disclose), null, CancellationToken.None));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Single(await list.PendingAsync(CancellationToken.None));
        Assert.Empty(await list.AnsweredUnsentAsync(CancellationToken.None));
    }

    [Fact]
    public async Task TaskDeliveredAgain_KeepsTheOfficersAnswer_AndSendsItAgain()
    {
        var list = await ListWithTaskAsync();
        await list.AnswerAsync("r1", "mismatch", "grid-officer-chen", Pair("household_income=mismatch"), Pair("household_income=高于标准"), "visited", CancellationToken.None);
        var first = Assert.Single(await list.AnsweredUnsentAsync(CancellationToken.None)).Result;
        await list.MarkSentAsync("r1", CancellationToken.None);
        var afterSending = await list.AnsweredUnsentAsync(CancellationToken.None);

        await list.AddAsync(Task("r1"), CancellationToken.None);
        var resent = Assert.Single(await list.AnsweredUnsentAsync(CancellationToken.None)).Result;

        Assert.Equal((Verdict.Mismatch, "grid-officer-chen", "高于标准"), (first.Verdict, first.CheckedBy, first.Disclosed["household_income"]));
        Assert.Equal(FieldVerdictKind.Mismatch, Assert.Single(first.Fields).Verdict);
        Assert.Empty(afterSending);
        Assert.Equal(first, resent);
        Assert.Empty(await list.PendingAsync(CancellationToken.None));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<OnSiteWorkList> ListWithTaskAsync()
    {
        var list = new OnSiteWorkList(Path.Combine(_directory, "onsite.db"), TimeProvider.System);
        await list.AddAsync(Task("r1"), CancellationToken.None);
        return list;
    }

    private static VerificationTask Task(string id)
    {
        var task = new VerificationTask
        {
            RequestId = id,
            ItemCode = "JJ-JD-002",
            Subject = new Subject { Kind = SubjectKind.Person, Id = "331002199007210029", Name = "李娜" },
            CaseNumber = "JJ-DB-1",
            Purpose = "minimum living allowance",
            Requester = new Requester { Department = "jj-civil-affairs", Window = "w1", Officer = "o" },
            AuthorizationRef = "HM-WT-1",
            Deadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(2)),
        };
        task.Claims["household_income"] = "低于当地低保标准";
        task.DisclosableFields.Add("household_income");
        return task;
    }

    private static Dictionary<string, string> Pair(string pair) =>
        pair.Length == 0 ? [] : new Dictionary<string, string> { [pair.Split('=')[0]] = pair.Split('=')[1] };
}
