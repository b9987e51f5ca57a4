using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Sdk.Internal;
using NoCertHub.Sdk.Seals;
using NoCertHub.V1;

namespace NoCertHub.Sdk;

/// <summary>
/// The client an approval system uses to ask the hub whether an applicant's claim is true.
/// Thread-safe; keep one per hub address. Failures surface as <see cref="NoCertHubException"/>
/// subclasses carrying the gRPC status. Every result it returns has its department seal checked
/// against <see cref="NoCertHubClientOptions.TrustedAuthorities"/>: see <see cref="VerificationResult.SealCheck"/>.
/// </summary>
public sealed class NoCertHubClient : IDisposable
{
    private readonly VerificationService.VerificationServiceClient _client;
    private readonly NoCertHubClientOptions _options;
    private readonly GrpcChannel? _ownedChannel;
    private readonly SealVerifier _seals;

    /// <summary>Creates a client with its own channel to <see cref="NoCertHubClientOptions.Address"/>.</summary>
    public NoCertHubClient(NoCertHubClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = options.Address ?? throw new ArgumentException("NoCertHubClientOptions.Address is required", nameof(options));
        _ownedChannel = NoCertHubChannel.ForAddress(address, options.ClientCertificate, options.TrustedAuthorities);
        _client = new VerificationService.VerificationServiceClient(_ownedChannel);
        _options = options;
        _seals = new SealVerifier(options.TrustedAuthorities);
    }

    /// <summary>Creates a client over an existing channel, which the caller keeps owning.</summary>
    public NoCertHubClient(GrpcChannel channel, NoCertHubClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _client = new VerificationService.VerificationServiceClient(channel);
        _options = options ?? new NoCertHubClientOptions();
        _seals = new SealVerifier(_options.TrustedAuthorities);
    }

    /// <summary>
    /// Submits a check and returns its receipt at once: request id, SLA class and the Article 11
    /// deadline. The result arrives on <see cref="WatchAsync"/> for the requesting window.
    /// </summary>
    public async Task<Receipt> SubmitAsync(VerificationRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _client.SubmitAsync(new SubmitRequest { Request = request }, cancellationToken: cancellationToken);
        }
        catch (RpcException e)
        {
            throw Errors.Map(e, cancellationToken);
        }
    }

    /// <summary>
    /// Submits a check and waits for the department's answer, at most <paramref name="timeout"/>
    /// (default <see cref="NoCertHubClientOptions.VerifyTimeout"/>). On timeout a
    /// <see cref="VerificationTimeoutException"/> is thrown and the request stays tracked.
    /// </summary>
    public async Task<VerificationResult> VerifyAsync(VerificationRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? _options.VerifyTimeout);
        try
        {
            return Checked(await _client.VerifyAsync(new VerifyRequest { Request = request }, deadline: deadline, cancellationToken: cancellationToken));
        }
        catch (RpcException e)
        {
            throw Errors.Map(e, cancellationToken);
        }
    }

    /// <summary>The status of one request, with its result once answered.</summary>
    public async Task<RequestStatus> GetAsync(string requestId, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await _client.GetAsync(new GetRequest { RequestId = requestId }, cancellationToken: cancellationToken);
            if (status.Result is not null)
            {
                Checked(status.Result);
            }

            return status;
        }
        catch (RpcException e)
        {
            throw Errors.Map(e, cancellationToken, notFoundIsRequest: true);
        }
    }

    /// <summary>
    /// Every result for one window, in order, as they are recorded. Starts after
    /// <paramref name="cursor"/> (null: from the oldest retained result). If the connection drops
    /// it reconnects with back-off and resumes from the last event yielded, so no result is
    /// missed and none repeated. Keep <see cref="WatchEvent.Cursor"/> to resume after a restart.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string department, string window, string? cursor = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var last = cursor ?? "";
        var backoff = _options.WatchReconnectMin;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var call = _client.Watch(new WatchRequest { Department = department, Window = window, Cursor = last }, cancellationToken: cancellationToken);
            var stream = call.ResponseStream;
            while (true)
            {
                bool moved;
                try
                {
                    moved = await stream.MoveNext(cancellationToken);
                }
                catch (RpcException e) when (!cancellationToken.IsCancellationRequested && Errors.IsTransient(e))
                {
                    break;
                }
                catch (RpcException e)
                {
                    throw Errors.Map(e, cancellationToken);
                }

                if (!moved)
                {
                    break;
                }

                backoff = _options.WatchReconnectMin;
                last = stream.Current.Cursor;
                if (stream.Current.Result is not null)
                {
                    Checked(stream.Current.Result);
                }

                yield return stream.Current;
            }

            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.WatchReconnectMax.Ticks));
        }
    }

    /// <summary>
    /// Checks <paramref name="result"/>'s department seal as it is now (for a result kept and read
    /// back later): valid only if the answering department's agent sealed exactly these contents
    /// under a certificate the trusted CA issued.
    /// </summary>
    public SealCheck CheckSeal(VerificationResult result) => _seals.Check(result);

    /// <summary>Disposes the channel if this client created it.</summary>
    public void Dispose()
    {
        _seals.Dispose();
        _ownedChannel?.Dispose();
    }

    private VerificationResult Checked(VerificationResult result)
    {
        result.SealCheck = _seals.Check(result);
        return result;
    }
}
