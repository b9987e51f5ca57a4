extern alias hub;

using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Testing;
using NoCertHub.V1;
using Xunit;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace NoCertHub.EndToEnd.Tests;

/// <summary>
/// A fuzz run against a real hub with a real agent: thousands of random and mutated messages,
/// built from the protocol's own descriptors, to every RPC, while a window keeps asking correct
/// questions. Seeded, so a failure can be replayed; bounded by its count.
/// </summary>
[Collection(Alone.Name)]
public sealed class FuzzTests(SharedGarnet redis) : IClassFixture<SharedGarnet>, IAsyncLifetime
{
    private const int Hostile = 3000;

    // Messages sent before memory is measured: enough for the runtime's buffer pools (Kestrel's,
    // ArrayPool's), which keep what 256 KB messages needed, to fill. Measured: the process heap
    // grows by ~70 MB over the first 1,500 and by ~30 MB over the next 7,500, then stays.
    private const int WarmUp = 1500;
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);
    private readonly string _directory = Directory.CreateTempSubdirectory("nocert-fuzz-").FullName;
    private WebApplication _hub = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _hub = await TestHub.StartAsync(_directory, redis.ConnectionString, "fuzz-" + Guid.NewGuid().ToString("N")[..8], port: 0);
        _channel = GrpcChannel.ForAddress(TestHub.AddressOf(_hub));
    }

    [Fact]
    [Trait("Speed", "Slow")]
    public async Task ThousandsOfHostileMessages_GetClearStatuses_WhileCorrectRequestsAreAnswered_AndNothingValidIsLostOrChanged()
    {
        await using var agents = new AgentRun(await TestAgents.StartAsync(TestHub.AddressOf(_hub), TestAgents.CivilAffairs(_directory, "ca-fuzz")));
        // On the channel of the moment: a hostile call may get the connection reset, and CallAsync opens another.
        VerificationService.VerificationServiceClient Window() => new(_channel);
        var before = await Window().VerifyAsync(new VerifyRequest { Request = HostileInputTests.Request() });
        var baseline = 0L;
        var marks = new List<string>();
        var random = new Random(22);
        var methods = Methods().ToList();
        var statuses = new Dictionary<StatusCode, int>();
        var answered = new List<VerificationResult>();

        for (var i = -WarmUp; i < Hostile; i++)
        {
            if (i == 0)
            {
                baseline = Memory();
                statuses.Clear();
                answered.Clear();
            }

            var (service, method) = methods[random.Next(methods.Count)];
            var payload = Mutate(random, method.InputType);
            var status = await CallAsync(service, method, payload, random);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status is not (StatusCode.Unknown or StatusCode.Internal), $"message {i} to {service.Name}/{method.Name} got {status}: {Convert.ToHexString(payload.AsSpan(0, Math.Min(64, payload.Length)))}");
            if (i % 500 == 499)
            {
                marks.Add($"{Memory() >> 20} MB after {i + 1}");
            }

            if (i % 100 == 0)
            {
                answered.Add(await Window().VerifyAsync(new VerifyRequest { Request = HostileInputTests.Request() }, deadline: DateTime.UtcNow.AddSeconds(20)));
            }
        }

        var after = Memory();
        var reread = await Window().GetAsync(new GetRequest { RequestId = before.RequestId });
        var services = _hub.Services;
        var chain = await TestHub.VerifyAuditAsync(_hub, _directory);

        Assert.All(answered, r => Assert.Equal(Verdict.Match, r.Verdict));
        Assert.Equal(Hostile / 100, answered.Count);
        Assert.Equal(before, reread.Result);
        Assert.True(chain.Intact, string.Join("; ", chain.Findings));
        Assert.True(statuses.GetValueOrDefault(StatusCode.InvalidArgument) > Hostile / 4, string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}")));
        // The hub keeps nothing for what it refused: after the warm-up, the process's managed heap
        // (the hub runs in it; no other test runs meanwhile) stays within 64 MB of where it was.
        Assert.True(after < baseline + (64 << 20), $"managed memory {baseline >> 20} MB before, {after >> 20} MB after; {string.Join(", ", marks)}; {string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}"))}");
        Assert.Equal(0, services.GetRequiredService<hub::NoCertHub.Hub.Verification.ResultNotifier>().WakeUpEntries);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await TestHub.StopAsync(_hub);
        Directory.Delete(_directory, recursive: true);
    }

    private static long Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static IEnumerable<(ServiceDescriptor, MethodDescriptor)> Methods() =>
        new[] { VerificationReflection.Descriptor, AgentReflection.Descriptor, CatalogReflection.Descriptor, AuditReflection.Descriptor, OversightReflection.Descriptor }
            .SelectMany(f => f.Services).SelectMany(s => s.Methods.Select(m => (s, m)));

    private async Task<StatusCode> CallAsync(ServiceDescriptor service, MethodDescriptor method, byte[] payload, Random random)
    {
        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var rpc = new Method<byte[], byte[]>(type, service.FullName, method.Name, Raw, Raw);
        var invoker = _channel.CreateCallInvoker();
        // The deadline ends the call, but not a write waiting for HTTP/2 flow-control credit on a
        // stream the hub has already answered (a message it refused unread): the token ends that.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: stop.Token);
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(rpc, null, options, payload);
                    break;
                case MethodType.ServerStreaming:
                {
                    using var call = invoker.AsyncServerStreamingCall(rpc, null, options, payload);
                    // A stream that is valid stays open: read what is there, then let the deadline end it.
                    while (await call.ResponseStream.MoveNext(CancellationToken.None))
                    {
                    }

                    break;
                }

                default:
                {
                    using var call = invoker.AsyncDuplexStreamingCall(rpc, null, options);
                    // An agent stream: sometimes a hostile hello, sometimes a valid one followed by hostile messages.
                    if (random.Next(2) == 0)
                    {
                        var hello = new AgentMessage { Hello = new AgentHello { Department = "jj-civil-affairs", AgentId = "fuzz-" + random.Next(1000), Capacity = 1, ItemCodes = { "JJ-MZ-001" } } };
                        await call.RequestStream.WriteAsync(hello.ToByteArray(), stop.Token);
                    }

                    await call.RequestStream.WriteAsync(payload, stop.Token);
                    await call.RequestStream.CompleteAsync();
                    while (await call.ResponseStream.MoveNext(CancellationToken.None))
                    {
                    }

                    break;
                }
            }

            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return StatusCode.Cancelled;
        }
        catch (Exception e) when (e is HttpRequestException { HttpRequestError: HttpRequestError.HttpProtocolError } or HttpIOException { HttpRequestError: HttpRequestError.HttpProtocolError })
        {
            // (HttpRequestException when the call is refused; HttpIOException, as HttpProtocolException,
            // when the reset comes while the request stream is being written.)
            // Kestrel ended the connection (ENHANCE_YOUR_CALM: too many streams this client reset,
            // its defence against rapid-reset floods); a new connection is served again.
            _channel.Dispose();
            _channel = GrpcChannel.ForAddress(TestHub.AddressOf(_hub));
            return StatusCode.Unavailable;
        }
    }

    /// <summary>A message of <paramref name="type"/> gone wrong in one of the ways an attacker would try.</summary>
    private static byte[] Mutate(Random random, MessageDescriptor type)
    {
        var valid = Sample(random, type, depth: 0);
        switch (random.Next(7))
        {
            case 0:
                return RandomBytes(random, random.Next(0, 2048));
            case 1:
                // Flipped bytes.
                var flipped = valid.ToArray();
                for (var i = 0; i < Math.Max(1, flipped.Length / 16); i++)
                {
                    if (flipped.Length > 0)
                    {
                        flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                    }
                }

                return flipped;
            case 2:
                // Truncated.
                return valid.Length == 0 ? [0x0A] : valid[..random.Next(valid.Length)];
            case 3:
                // A known field number with the wrong wire type (a message with no fields: field 1, unknown to it).
                var fields = type.Fields.InFieldNumberOrder();
                var number = fields.Count == 0 ? 1 : fields[random.Next(fields.Count)].FieldNumber;
                return [.. valid, .. Tag(number, (WireFormat.WireType)random.Next(6)), .. RandomBytes(random, random.Next(1, 16))];
            case 4:
                // Deep nesting: groups of an unknown field, or the message's own message fields within themselves.
                return [.. Enumerable.Repeat((byte)0x7B, random.Next(50, 2000)), .. valid];
            case 5:
                // Huge strings in every string field.
                return Sample(random, type, depth: 0, huge: true);
            default:
                // Valid shape, random values: some of these are correct requests with odd contents.
                return valid;
        }
    }

    private static byte[] Sample(Random random, MessageDescriptor type, int depth, bool huge = false)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        foreach (var field in type.Fields.InFieldNumberOrder())
        {
            if (random.Next(3) == 0)
            {
                continue;
            }

            switch (field.FieldType)
            {
                case FieldType.String:
                    output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                    output.WriteString(huge ? new string((char)random.Next(0x20, 0x3000), random.Next(50_000, 200_000)) : RandomText(random));
                    break;
                case FieldType.Bytes:
                    output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(ByteString.CopyFrom(RandomBytes(random, random.Next(0, 64))));
                    break;
                case FieldType.Message when depth < 4:
                    output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(ByteString.CopyFrom(Sample(random, field.MessageType, depth + 1, huge)));
                    break;
                case FieldType.Enum or FieldType.Int32 or FieldType.Int64 or FieldType.UInt32 or FieldType.UInt64 or FieldType.Bool:
                    output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                    output.WriteInt64(random.Next(3) == 0 ? random.NextInt64() : random.Next(-2, 8));
                    break;
            }
        }

        output.Flush();
        return stream.ToArray();
    }

    private static string RandomText(Random random)
    {
        string[] pieces = ["JJ-MZ-001", "jj-civil-affairs", "jj-admin-service-center", "w1", "33100219850312001X", "\u0000", "\u202E", "\n", "张伟", "r00-" + new string('0', 32), "", "0"];
        return string.Concat(Enumerable.Range(0, random.Next(1, 3)).Select(_ => pieces[random.Next(pieces.Length)]));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Tag(int number, WireFormat.WireType wire)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, wire);
        output.Flush();
        return stream.ToArray();
    }
}

/// <summary>Tests that measure the whole process (its memory) and so run with no other test beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "alone";
}
