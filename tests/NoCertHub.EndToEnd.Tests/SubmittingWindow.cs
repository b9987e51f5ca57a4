using System.Collections.Concurrent;
using Grpc.Core;
using NoCertHub.V1;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// A window under load while something fails: submits without pause, and retries a refused submit
/// with the same client_request_id until it has a receipt, as a window does. Each receipt is kept
/// with the phase of the test its attempt started in, and each refusal is counted, so a test can
/// check afterwards that every receipt handed out is still on record.
/// </summary>
internal static class SubmittingWindow
{
    public static async Task RunAsync(VerificationService.VerificationServiceClient window, int caller, Func<string> phase,
        ConcurrentBag<(string RequestId, string Phase)> acknowledged, CancellationToken stop, ConcurrentBag<StatusCode>? refused = null)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var request = TestRequests.MarriageCheck($"LOAD-{caller}-{n}", "w1", "fault test");
            request.ClientRequestId = $"load-{caller}-{n}";
            while (!stop.IsCancellationRequested)
            {
                // The phase the attempt started in: a receipt is counted where its write was made.
                var started = phase();
                try
                {
                    var receipt = await window.SubmitAsync(new SubmitRequest { Request = request }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: CancellationToken.None);
                    acknowledged.Add((receipt.RequestId, started));
                    break;
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                {
                    refused?.Add(e.StatusCode);
                    await Task.Delay(50, CancellationToken.None);
                }
            }
        }
    }

    /// <summary>
    /// The receipts the hub no longer knows (Get says NotFound). A Get refused with Unavailable
    /// (the hub's Redis client still settling on a promoted primary) is retried as a window
    /// retries it, for up to 30 s in all; a hub that stays unavailable longer fails the test.
    /// </summary>
    public static async Task<List<(string RequestId, string Phase)>> LostAsync(VerificationService.VerificationServiceClient window, IEnumerable<(string RequestId, string Phase)> acknowledged)
    {
        var lost = new List<(string, string)>();
        var giveUp = DateTime.UtcNow.AddSeconds(30);
        foreach (var receipt in acknowledged)
        {
            while (true)
            {
                try
                {
                    await window.GetAsync(new GetRequest { RequestId = receipt.RequestId });
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    lost.Add(receipt);
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < giveUp)
                {
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }

        return lost;
    }
}
