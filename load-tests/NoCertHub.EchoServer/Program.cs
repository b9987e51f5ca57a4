using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using NoCertHub.V1;

// The physical limit the load harness compares the hub with: a bare ASP.NET Core gRPC server
// answering VerificationService.Verify with a result of the hub's shape, doing nothing else.
//   dotnet NoCertHub.EchoServer.dll <port>
var port = int.Parse(args.ElementAtOrDefault(0) ?? "5090", System.Globalization.CultureInfo.InvariantCulture);
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpc();
var app = builder.Build();
app.MapGrpcService<Echo>();
await app.RunAsync();

internal sealed class Echo : VerificationService.VerificationServiceBase
{
    private static long s_next;

    public override Task<VerificationResult> Verify(VerifyRequest request, ServerCallContext context)
    {
        var now = Timestamp.FromDateTime(DateTime.UtcNow);
        var r = request.Request;
        var result = new VerificationResult
        {
            RequestId = "r00-echo" + Interlocked.Increment(ref s_next).ToString("D18", System.Globalization.CultureInfo.InvariantCulture),
            ItemCode = r.ItemCode,
            CaseNumber = r.CaseNumber,
            Verdict = Verdict.Match,
            AnsweringDepartment = "jj-civil-affairs",
            AnsweringAgent = "echo",
            AcceptedAt = now,
            AnsweredAt = now,
            Deadline = now,
        };
        foreach (var claim in r.Claims)
        {
            result.Fields.Add(new FieldVerdict { Field = claim.Key, Verdict = FieldVerdictKind.Match });
        }

        return Task.FromResult(result);
    }
}
