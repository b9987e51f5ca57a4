using Google.Protobuf.WellKnownTypes;
using NoCertHub.Hub.Hosting;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Hub.Tests.Hosting;

/// <summary>
/// The limits every request's fields meet before a service sees them: a clean request passes, and
/// a refused one names the field by its full path (the walk that finds a problem does not build
/// paths; the one that words the refusal does, so both must agree on what is wrong).
/// </summary>
public sealed class RequestFieldsTests
{
    [Fact]
    public void Problem_CleanRequest_IsNull()
    {
        Assert.Null(RequestFields.Problem(new VerifyRequest { Request = Request() }));
    }

    public static TheoryData<string, Action<VerificationRequest>, string> Problems => new()
    {
        { "nested field", r => r.Subject.Id = "33\u0007", "request.subject.id contains the control character U+0007; records hold printable text only" },
        { "repeated element", r => r.RelatedParties[1].Name = "Li\u202EWei", "request.related_parties[1].name contains the control character U+202E; records hold printable text only" },
        { "map key", r => r.Claims[new string('k', 4097)] = "x", "request.claims key is longer than 4096 characters" },
        { "map value", r => r.Claims["name"] = "Wang\nWei", "request.claims value contains the control character U+000A; records hold printable text only" },
        { "top-level text", r => r.Purpose = new string('p', 5000), "request.purpose is longer than 4096 characters" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Problem_NamesTheFieldByItsPath(string what, Action<VerificationRequest> spoil, string expected)
    {
        var request = Request();
        spoil(request);
        Assert.True(RequestFields.Problem(new VerifyRequest { Request = request }) == expected, what);
    }

    [Fact]
    public void Problem_TimeOutOfRange_IsNamed_EvenWhenTextIsNotChecked()
    {
        var message = new ListNearDeadlineRequest { Department = "bad\u0001", Within = new Duration { Seconds = 315_576_000_001 } };
        Assert.Equal("within is not a valid duration", RequestFields.Problem(message, text: false));
        Assert.Equal("department contains the control character U+0001; records hold printable text only", RequestFields.Problem(message));
    }

    private static VerificationRequest Request()
    {
        var request = new VerificationRequest
        {
            ItemCode = "JJ-MZ-001",
            Subject = new Subject { Kind = SubjectKind.Person, Id = "331002199001011234", Name = "王伟" },
            CaseNumber = "JJ-2026-000123",
            Purpose = "housing subsidy",
            Requester = new Requester { Department = "jj-admin-service-center", Window = "w1", Officer = "officer-7" },
            ClientRequestId = "c-1",
        };
        request.Claims.Add("name", "王伟");
        request.RelatedParties.Add(new Subject { Kind = SubjectKind.Person, Id = "331002199202021234", Name = "李娜" });
        request.RelatedParties.Add(new Subject { Kind = SubjectKind.Person, Id = "331002199303031234", Name = "张敏" });
        return request;
    }
}
