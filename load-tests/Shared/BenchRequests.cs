using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.V1;

namespace NoCertHub.LoadTests.Shared;

/// <summary>
/// The request the store benchmarks load: 张伟's marriage check (JJ-MZ-001) from one of 200
/// windows of the market-registration office, with its case number and officer, as the hub
/// accepts it. Compiled into each benchmark that drives the hub's request store directly.
/// </summary>
internal static class BenchRequests
{
    public static AcceptedRequest Marriage(RedisKeys keys, int n, DateTimeOffset accepted, DateTimeOffset deadline, DateTimeOffset? remindAt = null)
    {
        var window = "window-" + (n % 200).ToString(CultureInfo.InvariantCulture);
        var shard = keys.ShardOfWindow("jj-market-window", window);
        var id = RedisKeys.NewRequestId(shard);
        var request = new VerificationRequest
        {
            ItemCode = "JJ-MZ-001",
            Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X", Name = "张伟" },
            CaseNumber = "JJ-2026-" + n.ToString("D8", CultureInfo.InvariantCulture),
            Purpose = "企业开办登记：核验婚姻状况",
            Requester = new Requester { Department = "jj-market-window", Window = window, Officer = "officer-" + (n % 50).ToString(CultureInfo.InvariantCulture) },
        };
        request.Claims["name"] = "张伟";
        request.Claims["marital_status"] = "已婚";
        var receipt = new Receipt
        {
            RequestId = id,
            ItemCode = "JJ-MZ-001",
            SlaClass = SlaClass.Immediate,
            AcceptedAt = Timestamp.FromDateTimeOffset(accepted),
            Deadline = Timestamp.FromDateTimeOffset(deadline),
            OwningDepartment = "jj-civil-affairs",
        };
        return new AcceptedRequest(id, RedisKeys.WindowId("jj-market-window", window), request, receipt, remindAt, request.Requester.Officer);
    }
}
