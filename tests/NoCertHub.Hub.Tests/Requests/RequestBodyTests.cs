using Google.Protobuf;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using Xunit;

namespace NoCertHub.Hub.Tests.Requests;

public class RequestBodyTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 9, 30, 0, TimeSpan.FromHours(8));

    [Fact]
    public void Pack_WritesTheLayoutEarlierHubsStored_SoTheirRequestsStillUnpack()
    {
        var accepted = TestRequests.Accepted(new RedisKeys("body", 16), "窗口-3", At, At.AddMinutes(30), caseNumber: "椒江-2026-0001");
        accepted.Request.Claims["spouse_name"] = "李娜";

        // The layout on record: the request, then the receipt without its id, each length-delimited.
        using var stream = new MemoryStream();
        accepted.Request.WriteDelimitedTo(stream);
        var receiptWithoutId = accepted.Receipt.Clone();
        receiptWithoutId.RequestId = "";
        receiptWithoutId.WriteDelimitedTo(stream);

        var packed = RequestBody.Pack(accepted.Request, accepted.Receipt);

        Assert.Equal(stream.ToArray(), packed);
        var (request, receipt) = RequestBody.Unpack(accepted.RequestId, packed);
        Assert.Equal(accepted.Request, request);
        Assert.Equal(accepted.Receipt, receipt);
        Assert.Equal(accepted.RequestId, accepted.Receipt.RequestId);
    }
}
