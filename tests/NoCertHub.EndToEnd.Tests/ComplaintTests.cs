using Grpc.Core;
using NoCertHub.Hosting.Pki;
using NoCertHub.Sdk;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// Article 15's complaints on a real hub in certificate mode: the hotline files one through a
/// window certificate, the joint office assigns and resolves it; each wrong caller, wrong
/// transition and missing finding is refused with its status; overdue ones are listed; a citizen's
/// complaints are found by their ID, which the store never holds in clear.
/// </summary>
[Collection(nameof(CertificateAccessTests))]
public sealed class ComplaintTests(SharedGarnet redis) : IClassFixture<SharedGarnet>, IAsyncLifetime
{
    private const string ZhangWei = "33100219850312001X";
    private const string LiNa = "331002199007210029";
    private static readonly TimeSpan HandlingLimit = TimeSpan.FromSeconds(3);
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-e2e-complaints-").FullName;
    private readonly List<IDisposable> _owned = [];
    private CertificateAuthority _ca = null!;
    private WebApplication _hub = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        _ca = CertificateAuthority.Create(Path.Combine(_directory, "pki"), "NoCertHub complaints CA", TimeSpan.FromDays(60), notBefore: DateTimeOffset.UtcNow.AddDays(-1));
        var server = _ca.Issue(new CertificateSubject(PrincipalRole.Hub, "jj-big-data-center", "localhost"), TimeSpan.FromDays(10));
        _hub = await TestHub.StartAsync(_directory, redis.ConnectionString, "complaints-" + Guid.NewGuid().ToString("N")[..8], port: 0, new Dictionary<string, string?>
        {
            ["Security:Mode"] = "Certificates",
            ["Security:CaBundle"] = _ca.CertificatePath,
            ["Security:RevocationList"] = _ca.RevocationListPath,
            ["Security:ServerCertificate"] = server,
            ["Security:ServerKey"] = CertificateAuthority.KeyPathOf(server),
            ["Complaints:HandlingLimit"] = HandlingLimit.ToString(),
        });
        _address = TestHub.AddressOf(_hub);
    }

    [Fact]
    public async Task HotlineComplaint_IsAssignedThenResolved_EachStepWithWhoAndWhen_AndWrongStepsAreRefused()
    {
        var hotline = Complaints(PrincipalRole.Window, "jj-admin-service-center", "hotline-1", "operator-chen");
        var office = Complaints(PrincipalRole.JointOffice, "jj-joint-office", "jo-1", "officer-li");

        var filed = await hotline.FileComplaintAsync(Filing(ZhangWei, "138-0000-0000"));
        var early = await Assert.ThrowsAsync<RpcException>(() => office.ResolveComplaintAsync(new ResolveComplaintRequest { Id = filed.Id, Finding = ComplaintFinding.Upheld, ActionTaken = "x" }).ResponseAsync);
        var assigned = await office.AssignComplaintAsync(new AssignComplaintRequest { Id = filed.Id, Assignee = "officer-wu" });
        var noFinding = await Assert.ThrowsAsync<RpcException>(() => office.ResolveComplaintAsync(new ResolveComplaintRequest { Id = filed.Id, ActionTaken = "told them" }).ResponseAsync);
        var noAction = await Assert.ThrowsAsync<RpcException>(() => office.ResolveComplaintAsync(new ResolveComplaintRequest { Id = filed.Id, Finding = ComplaintFinding.Upheld }).ResponseAsync);
        var resolved = await office.ResolveComplaintAsync(new ResolveComplaintRequest
        {
            Id = filed.Id,
            Finding = ComplaintFinding.Upheld,
            ActionTaken = "civil affairs told to check the marriage registry instead of asking for the certificate",
        });
        var again = await Assert.ThrowsAsync<RpcException>(() => office.ResolveComplaintAsync(new ResolveComplaintRequest { Id = filed.Id, Finding = ComplaintFinding.NotUpheld, ActionTaken = "y" }).ResponseAsync);
        var reassigned = await Assert.ThrowsAsync<RpcException>(() => office.AssignComplaintAsync(new AssignComplaintRequest { Id = filed.Id, Assignee = "officer-ma" }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => office.GetComplaintAsync(new GetComplaintRequest { Id = filed.Id + 1000 }).ResponseAsync);
        var read = await office.GetComplaintAsync(new GetComplaintRequest { Id = filed.Id });

        Assert.Equal(ComplaintState.Received, filed.State);
        Assert.Equal("operator-chen", filed.ReceivedBy);
        Assert.Equal("jj-admin-service-center", filed.ReceivedThrough);
        Assert.Equal(HandlingLimit, filed.DueAt.ToDateTimeOffset() - filed.ReceivedAt.ToDateTimeOffset());
        Assert.Equal("", filed.Contact);
        Assert.Equal(StatusCode.FailedPrecondition, early.StatusCode);
        Assert.Contains("assign it", early.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((ComplaintState.Assigned, "officer-wu", "officer-li"), (assigned.State, assigned.AssignedTo, assigned.AssignedBy));
        Assert.Equal(StatusCode.InvalidArgument, noFinding.StatusCode);
        Assert.Contains("finding", noFinding.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, noAction.StatusCode);
        Assert.Contains("action_taken", noAction.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((ComplaintState.Resolved, ComplaintFinding.Upheld, "officer-li"), (resolved.State, resolved.Finding, resolved.ResolvedBy));
        Assert.NotNull(resolved.ResolvedAt);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, reassigned.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("138-0000-0000", read.Contact);
        Assert.False(read.Overdue);
    }

    [Fact]
    public async Task OnlyWindowsAndTheJointOfficeFile_AndOnlyTheJointOfficeHandlesOrReads()
    {
        var window = Complaints(PrincipalRole.Window, "jj-admin-service-center", "w1", "officer-a");
        var agent = Complaints(PrincipalRole.Agent, "jj-civil-affairs", "ca-1");
        var filed = await window.FileComplaintAsync(Filing(LiNa, ""));

        var refused = new List<RpcException>
        {
            await Assert.ThrowsAsync<RpcException>(() => agent.FileComplaintAsync(Filing(LiNa, "")).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => window.AssignComplaintAsync(new AssignComplaintRequest { Id = filed.Id, Assignee = "me" }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => window.ResolveComplaintAsync(new ResolveComplaintRequest { Id = filed.Id, Finding = ComplaintFinding.NotUpheld, ActionTaken = "none" }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => window.GetComplaintAsync(new GetComplaintRequest { Id = filed.Id }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => window.ListComplaintsAsync(new ListComplaintsRequest()).ResponseAsync),
        };
        var badDepartment = await Assert.ThrowsAsync<RpcException>(() => window.FileComplaintAsync(new FileComplaintRequest
        {
            Channel = ComplaintChannel.Window, Kind = ComplaintKind.Other, Department = "jj-no-such-office", Text = "x",
        }).ResponseAsync);
        var noKind = await Assert.ThrowsAsync<RpcException>(() => window.FileComplaintAsync(new FileComplaintRequest
        {
            Channel = ComplaintChannel.Window, Department = "jj-civil-affairs", Text = "x",
        }).ResponseAsync);

        Assert.All(refused, e => Assert.Equal(StatusCode.PermissionDenied, e.StatusCode));
        Assert.Contains("may not call /nocert.v1.ComplaintService/AssignComplaint", refused[1].Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, badDepartment.StatusCode);
        Assert.Contains("jj-no-such-office", badDepartment.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, noKind.StatusCode);
    }

    [Fact]
    public async Task UnresolvedComplaintsPastTheirLimit_AreListedOverdue_AndACitizensOwnAreFoundByTheirId_NeverStoredInClear()
    {
        var window = Complaints(PrincipalRole.Window, "jj-admin-service-center", "w2", "officer-b");
        var office = Complaints(PrincipalRole.JointOffice, "jj-joint-office", "jo-2", "officer-zhao");
        var pending = await window.FileComplaintAsync(Filing(ZhangWei, ""));
        var handled = await window.FileComplaintAsync(Filing(LiNa, ""));
        await office.AssignComplaintAsync(new AssignComplaintRequest { Id = handled.Id, Assignee = "officer-zhao" });
        await office.ResolveComplaintAsync(new ResolveComplaintRequest { Id = handled.Id, Finding = ComplaintFinding.NotUpheld, ActionTaken = "the office had asked for a document not in the catalog's list" });

        await Task.Delay(HandlingLimit + TimeSpan.FromMilliseconds(500));
        var overdue = await office.ListComplaintsAsync(new ListComplaintsRequest { OverdueOnly = true, Limit = 1000 });
        var zhangs = await office.ListComplaintsAsync(new ListComplaintsRequest { ComplainantId = ZhangWei, Limit = 1000 });
        var lis = await office.ListComplaintsAsync(new ListComplaintsRequest { ComplainantId = LiNa, Limit = 1000 });

        Assert.Contains(overdue.Complaints, c => c.Id == pending.Id && c.Overdue);
        Assert.DoesNotContain(overdue.Complaints, c => c.Id == handled.Id);
        Assert.All(overdue.Complaints, c => Assert.NotEqual(ComplaintState.Resolved, c.State));
        Assert.Contains(zhangs.Complaints, c => c.Id == pending.Id);
        Assert.DoesNotContain(zhangs.Complaints, c => c.Id == handled.Id);
        Assert.Contains(lis.Complaints, c => c.Id == handled.Id && c.State == ComplaintState.Resolved);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var stored = await File.ReadAllBytesAsync(Path.Combine(_directory, "complaints.db"));
        Assert.Equal(-1, System.Text.Encoding.UTF8.GetString(stored).IndexOf(ZhangWei, StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await TestHub.StopAsync(_hub);
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static FileComplaintRequest Filing(string complainant, string contact) => new()
    {
        Channel = ComplaintChannel.Hotline12345,
        Kind = ComplaintKind.CancelledCertificateDemanded,
        Department = "jj-civil-affairs",
        ComplainantId = complainant,
        Contact = contact,
        Text = "the marriage registration window asked me for a household register certificate",
        CaseNumber = "JJ-2026-0042",
    };

    private ComplaintService.ComplaintServiceClient Complaints(PrincipalRole role, string department, string name, string? officer = null)
    {
        var certificate = _ca.Issue(new CertificateSubject(role, department, name, officer), TimeSpan.FromDays(5));
        var channel = NoCertHubChannel.ForAddress(_address, NoCertHubChannel.LoadCertificate(certificate, CertificateAuthority.KeyPathOf(certificate)),
            NoCertHubChannel.LoadAuthorities(_ca.CertificatePath));
        _owned.Add(channel);
        return new ComplaintService.ComplaintServiceClient(channel);
    }
}
