using Google.Protobuf.WellKnownTypes;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.V1;

namespace NoCertHub.Hub.Tests.Requests;

/// <summary>Accepted requests as the hub's intake would record them, for store-level tests.</summary>
internal static class TestRequests
{
    public const string RequestingDepartment = "dept";

    /// <summary>A marital-status check from a window of "dept", accepted at <paramref name="acceptedAt"/>, due at <paramref name="deadline"/>.</summary>
    public static AcceptedRequest Accepted(
        RedisKeys keys,
        string window,
        DateTimeOffset acceptedAt,
        DateTimeOffset deadline,
        string caseNumber = "case-1",
        string owningDepartment = "jj-civil-affairs",
        DateTimeOffset? remindAt = null,
        string? officer = null)
    {
        var id = RedisKeys.NewRequestId(keys.ShardOfWindow(RequestingDepartment, window));
        var request = new VerificationRequest
        {
            ItemCode = "JJ-MZ-001",
            Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X" },
            CaseNumber = caseNumber,
            Purpose = "test",
            Requester = new Requester { Department = RequestingDepartment, Window = window, Officer = "declared-officer" },
        };
        request.Claims["marital_status"] = "已婚";
        var receipt = new Receipt
        {
            RequestId = id,
            ItemCode = "JJ-MZ-001",
            SlaClass = SlaClass.Immediate,
            AcceptedAt = Timestamp.FromDateTimeOffset(acceptedAt),
            Deadline = Timestamp.FromDateTimeOffset(deadline),
            OwningDepartment = owningDepartment,
        };
        return new AcceptedRequest(id, RedisKeys.WindowId(RequestingDepartment, window), request, receipt, remindAt, officer);
    }
}
