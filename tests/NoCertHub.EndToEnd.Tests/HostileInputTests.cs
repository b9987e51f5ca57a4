using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// What arrives on the hub's port is not always a message: raw bytes sent to real methods of a
/// real hub, as an attacker (or a broken client) would send them.
/// </summary>
public sealed class HostileInputTests(SharedGarnet redis) : IClassFixture<SharedGarnet>, IAsyncLifetime, IDisposable
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-hostile-").FullName;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly string _prefix = "hostile-" + Guid.NewGuid().ToString("N")[..8];
    private WebApplication _hub = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _hub = await TestHub.StartAsync(_directory, redis.ConnectionString, _prefix, port: 0, logging: b => b.AddProvider(_logs));
        _channel = GrpcChannel.ForAddress(TestHub.AddressOf(_hub));
    }

    public static TheoryData<string, string, byte[], string> Malformed()
    {
        var valid = new SubmitRequest { Request = Request() }.ToByteArray();
        return new()
        {
            { "random bytes", "Submit", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "SubmitRequest message cannot be read" },
            { "a cut message", "Submit", valid[..(valid.Length / 2)], "SubmitRequest message cannot be read" },
            // request (1) { item_code (1) = C3 28 }: a UTF-8 lead byte followed by one that cannot continue it.
            { "invalid UTF-8", "Submit", [0x0A, 0x04, 0x0A, 0x02, 0xC3, 0x28], "SubmitRequest message cannot be read" },
            // 1,000 nested groups of an unknown field: past the parser's nesting limit.
            { "1,000-deep groups", "Verify", [.. Enumerable.Repeat((byte)0x7B, 1000)], "VerifyRequest message cannot be read" },
            // request_id (1) says 80 bytes follow; one does.
            { "a length past the end", "Get", [0x0A, 0x50, 0x41], "GetRequest message cannot be read" },
            // A tag of field number 0, which no message has.
            { "field number zero", "Get", [0x02, 0x00], "GetRequest message cannot be read" },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task AMessageThatCannotBeRead_IsInvalidArgument_LoggedAtWarningWithoutItsPayload(string what, string method, byte[] payload, string detail)
    {
        var refused = await CallAsync("nocert.v1.VerificationService", method, payload);

        Assert.True(refused is { StatusCode: StatusCode.InvalidArgument } && refused.Status.Detail.Contains(detail, StringComparison.Ordinal), $"{what}: {refused?.Status}");
        var logged = Assert.Single(_logs.Entries, e => e.Text.Contains("cannot be read", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains($"/nocert.v1.VerificationService/{method}", logged.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Error);
        // The hub still answers correct requests.
        Assert.NotEmpty((await new VerificationService.VerificationServiceClient(_channel).SubmitAsync(new SubmitRequest { Request = Request() })).RequestId);
    }

    public static TheoryData<string, string, string, IMessage, string> BadFields()
    {
        var nul = Request();
        nul.CaseNumber = "JJ-2026-\u0000001";
        var rtl = Request();
        rtl.Claims["name"] = "张伟\u202Egnp.exe";
        return new()
        {
            { "a NUL in a case number", "nocert.v1.VerificationService", "Submit", new SubmitRequest { Request = nul }, "request.case_number contains the control character U+0000" },
            { "a right-to-left override in a claim", "nocert.v1.VerificationService", "Verify", new VerifyRequest { Request = rtl }, "request.claims value contains the control character U+202E" },
            { "a 5,000-character department", "nocert.v1.OversightService", "ListNearDeadline", new ListNearDeadlineRequest { Department = new string('d', 5000) }, "department is longer than 4096 characters" },
            { "a newline in a proposal's reason", "nocert.v1.CatalogService", "Propose", new ProposeRequest { Reason = "because\nreasons" }, "reason contains the control character U+000A" },
            { "a time past year 9999", "nocert.v1.AuditService", "Search", new AuditSearchRequest { From = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = long.MaxValue } }, "from is not a valid time" },
            { "a duration of negative nanoseconds", "nocert.v1.OversightService", "ListNearDeadline", new ListNearDeadlineRequest { Within = new Google.Protobuf.WellKnownTypes.Duration { Seconds = 5, Nanos = -1 } }, "within is not a valid duration" },
            { "a valid duration of 10,000 years", "nocert.v1.OversightService", "ListNearDeadline", new ListNearDeadlineRequest { Within = new Google.Protobuf.WellKnownTypes.Duration { Seconds = 315_576_000_000 } }, "within must not be longer than 366 days" },
        };
    }

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task AFieldNoRequestMayHold_IsInvalidArgumentNamingIt_WithoutQuotingIt(string what, string service, string method, IMessage message, string detail)
    {
        var refused = await CallAsync(service, method, message.ToByteArray());

        Assert.True(refused is { StatusCode: StatusCode.InvalidArgument } && refused.Status.Detail.Contains(detail, StringComparison.Ordinal), $"{what}: {refused?.Status}");
        Assert.DoesNotContain("ddddd", refused!.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Error || e.Text.Contains("ddddd", StringComparison.Ordinal) || e.Text.Contains('\u202E', StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownFieldsPaddingARequest_AreDroppedBeforeAnythingIsStored()
    {
        // 100 KB of a field the protocol does not have, inside the request that is stored.
        var marker = Encoding.ASCII.GetBytes("PADDING-" + Guid.NewGuid().ToString("N"));
        var padding = Enumerable.Repeat(marker, 100_000 / marker.Length).SelectMany(b => b).ToArray();
        var padded = Concat(Request().ToByteArray(), Field(1000, padding));
        var submit = Concat(Field(1, padded), Field(999, marker));

        var reply = await new GrpcChannelInvoker(_channel).UnaryAsync("nocert.v1.VerificationService", "Submit", submit);
        var receipt = Receipt.Parser.ParseFrom(reply);

        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var keys = connection.GetServers()[0].Keys(pattern: _prefix + "*").ToList();
        var stored = 0L;
        foreach (var key in keys)
        {
            if (await connection.GetDatabase().KeyTypeAsync(key) == StackExchange.Redis.RedisType.String)
            {
                var value = (byte[]?)await connection.GetDatabase().StringGetAsync(key) ?? [];
                stored += value.Length;
                Assert.True(value.AsSpan().IndexOf(marker) < 0, $"{key} holds the unknown field's bytes");
            }
        }

        Assert.NotEmpty(receipt.RequestId);
        Assert.InRange(stored, 1, 20_000);
    }

    [Fact]
    public async Task AMessageLargerThanTheLimit_IsRefusedWithResourceExhausted_BeforeItIsRead()
    {
        var submit = Concat(Field(1, Request().ToByteArray()), Field(1000, new byte[300 * 1024]));

        var refused = await CallAsync("nocert.v1.VerificationService", "Submit", submit);

        Assert.Equal(StatusCode.ResourceExhausted, refused?.StatusCode);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await TestHub.StopAsync(_hub);
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose() => _logs.Dispose();

    internal static VerificationRequest Request()
    {
        var request = new VerificationRequest
        {
            ItemCode = "JJ-MZ-001",
            Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X" },
            CaseNumber = "JJ-HOSTILE-" + Guid.NewGuid().ToString("N")[..6],
            Purpose = "marriage registration",
            Requester = new Requester { Department = "jj-admin-service-center", Window = "w1", Officer = "officer-a" },
        };
        request.Claims["marital_status"] = "已婚";
        return request;
    }

    private async Task<RpcException?> CallAsync(string service, string method, byte[] payload)
    {
        try
        {
            await new GrpcChannelInvoker(_channel).UnaryAsync(service, method, payload);
            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    // A length-delimited field: its tag, its length, its bytes.
    private static byte[] Field(int number, byte[] value)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
        output.Flush();
        return stream.ToArray();
    }

    /// <summary>Calls a method with bytes as they are, not a message.</summary>
    internal sealed class GrpcChannelInvoker(GrpcChannel channel)
    {
        public async Task<byte[]> UnaryAsync(string service, string method, byte[] payload) =>
            await channel.CreateCallInvoker().AsyncUnaryCall(new Method<byte[], byte[]>(MethodType.Unary, service, method, Raw, Raw), null,
                new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20)), payload);
    }
}
