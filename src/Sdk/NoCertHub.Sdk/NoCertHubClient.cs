using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Sdk.Internal;
using NoCertHub.V1;

namespace NoCertHub.Sdk;

/// <summary>
/// The client an approval system uses to ask the hub whether an applicant's claim is true.
/// Thread-safe; keep one per hub address. Failures surface as <see cref="NoCertHubException"/>
/// subclasses carrying the gRPC status.
/// </summary>
public sealed class NoCertHubClient : IDisposable
{
    private readonly VerificationService.VerificationServiceClient _client;
    private readonly NoCertHubClientOptions _options;
    private readonly GrpcChannel? _ownedChannel;

    /// <summary>Creates a client with its own channel to <see cref="NoCertHubClientOptions.Address"/>.</summary>
    public NoCertHubClient(NoCertHubClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = options.Address ?? throw new ArgumentException("NoCertHubClientOptions.Address is required", nameof(options));
        _ownedChannel = NoCertHubChannel.ForAddress(address, options.ClientCertificate, options.TrustedAuthorities);
        _client = new VerificationService.VerificationServiceClient(_ownedChannel);
        _options = options;
    }

    /// <summary>Creates a client over an existing channel, which the caller keeps owning.</summary>
    public NoCertHubClient(GrpcChannel channel, NoCertHubClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _client = new VerificationService.VerificationServiceClient(channel);
        _options = options ?? new NoCertHubClientOptions();
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
            return await _client.VerifyAsync(new VerifyRequest { Request = request }, deadline: deadline, cancellationToken: cancellationToken);
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
            return await _client.GetAsync(new GetRequest { RequestId = requestId }, cancellationToken: cancellationToken);
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
                yield return stream.Current;
            }

            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.WatchReconnectMax.Ticks));
        }
    }

    /// <summary>Disposes the channel if this client created it.</summary>
    public void Dispose() => _ownedChannel?.Dispose();
}
