using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using NoCertHub.Sdk;

namespace NoCertHub.Cli;

/// <summary>
/// The options every command shares (where the hub is, whose certificate, output form) and the
/// one way each command calls the hub: a channel with the caller's certificate, a deadline, and
/// every refusal turned into its message on stderr and its exit code.
/// </summary>
internal static class Connection
{
    public static readonly Option<string> Hub = new("--hub")
    {
        Description = "The hub's gRPC address (env NOCERT_HUB)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NOCERT_HUB") ?? "https://127.0.0.1:5080",
    };

    public static readonly Option<string> Ca = new("--ca")
    {
        Description = "The district CA's certificate (PEM) the hub's certificate must chain to (env NOCERT_CA)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NOCERT_CA") ?? "data/pki/ca.pem",
    };

    public static readonly Option<string?> Certificate = new("--cert")
    {
        Description = "Your certificate (PEM), issued by the district's CA (env NOCERT_CERT)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NOCERT_CERT"),
    };

    public static readonly Option<string?> Key = new("--key")
    {
        Description = "Your certificate's private key (PEM); default: the certificate's name with .key.pem (env NOCERT_KEY)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NOCERT_KEY"),
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the hub's answer as JSON (protobuf JSON, as the REST API writes it) instead of a table",
        Recursive = true,
    };

    public static readonly Option<int> Timeout = new("--timeout")
    {
        Description = "Seconds to wait for the hub",
        Recursive = true,
        DefaultValueFactory = _ => 30,
    };

    public static IEnumerable<Option> Options => [Hub, Ca, Certificate, Key, Json, Timeout];

    /// <summary>Runs <paramref name="call"/> against the hub; a gRPC refusal becomes its message on stderr and its exit code.</summary>
    public static async Task<int> RunAsync(ParseResult parsed, Func<GrpcChannel, CallOptions, Output, Task<int>> call, CancellationToken cancellationToken)
    {
        var output = new Output(parsed.GetValue(Json));
        GrpcChannel channel;
        try
        {
            channel = Open(parsed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or UriFormatException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"nocert: {e.Message}");
            return ExitCodes.Usage;
        }

        using (channel)
        {
            var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(Math.Max(1, parsed.GetValue(Timeout))), cancellationToken: cancellationToken);
            try
            {
                return await call(channel, options, output);
            }
            catch (RpcException e)
            {
                var detail = string.IsNullOrEmpty(e.Status.Detail) ? e.Status.StatusCode.ToString() : e.Status.Detail;
                await Console.Error.WriteLineAsync($"nocert: {e.StatusCode}: {detail}");
                return ExitCodes.Of(e.StatusCode);
            }
        }
    }

    private static GrpcChannel Open(ParseResult parsed)
    {
        var address = new Uri(parsed.GetValue(Hub)!);
        if (address.Scheme != Uri.UriSchemeHttps)
        {
            // A hub in insecure loopback mode (tests, a developer's machine): no certificates.
            return NoCertHubChannel.ForAddress(address);
        }

        var certificate = parsed.GetValue(Certificate);
        var key = parsed.GetValue(Key) ?? (certificate is null ? null : KeyOf(certificate));
        var authorities = NoCertHubChannel.LoadAuthorities(parsed.GetValue(Ca)!);
        return NoCertHubChannel.ForAddress(address, certificate is null ? null : NoCertHubChannel.LoadCertificate(certificate, key!), authorities);
    }

    /// <summary>The district CA's certificates from --ca, or null when the hub is reached without TLS or no such file exists.</summary>
    public static System.Security.Cryptography.X509Certificates.X509Certificate2Collection? Authorities(ParseResult parsed) =>
        parsed.GetValue(Ca) is { } path && File.Exists(path) ? NoCertHubChannel.LoadAuthorities(path) : null;

    // pki issue writes name.pem and name.key.pem side by side.
    private static string KeyOf(string certificate) =>
        certificate.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) ? certificate[..^4] + ".key.pem" : certificate + ".key.pem";
}
