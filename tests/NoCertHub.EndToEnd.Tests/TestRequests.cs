using NoCertHub.V1;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>Requests the sample agents answer, as the end-to-end tests send them.</summary>
internal static class TestRequests
{
    /// <summary>张伟's marriage registration (JJ-MZ-001), claimed married: the civil-affairs sample answers MATCH.</summary>
    public static VerificationRequest MarriageCheck(string caseNumber, string window, string purpose)
    {
        var request = new VerificationRequest
        {
            ItemCode = "JJ-MZ-001",
            Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X", Name = "张伟" },
            CaseNumber = caseNumber,
            Purpose = purpose,
            Requester = new Requester { Department = "jj-e2e-window", Window = window, Officer = "officer-e2e" },
        };
        request.Claims["marital_status"] = "已婚";
        return request;
    }
}
