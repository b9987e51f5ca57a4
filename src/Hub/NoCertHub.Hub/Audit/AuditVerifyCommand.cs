using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// <c>NoCertHub.Hub verify-audit [--public-key FILE]</c>: checks the configured audit database
/// against the exported checkpoints and prints what is wrong. Exit code 0 when intact, 1 when
/// not. The public key should come from somewhere the database's administrators cannot write;
/// by default the copy exported beside the checkpoints is used.
/// </summary>
internal static class AuditVerifyCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        var options = services.GetRequiredService<IOptions<AuditOptions>>().Value;
        if (!File.Exists(options.SubjectKeyPath))
        {
            // Without the hub's HMAC key no record's hash can be recomputed; never make a new one here.
            await output.WriteLineAsync($"The subject HMAC key {Path.GetFullPath(options.SubjectKeyPath)} is missing; point Audit:SubjectKeyPath at the hub's key");
            return 2;
        }

        var directory = Path.GetFullPath(options.CheckpointDirectory);
        var keyIndex = Array.IndexOf(args, "--public-key");
        var keyPath = keyIndex >= 0 && keyIndex + 1 < args.Length ? args[keyIndex + 1] : Path.Combine(directory, "checkpoint-signing.pub.pem");
        if (!File.Exists(keyPath))
        {
            await output.WriteLineAsync($"No public key at {keyPath}; pass --public-key FILE");
            return 2;
        }

        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(await File.ReadAllTextAsync(keyPath));
        var verifier = new AuditVerifier(services.GetRequiredService<AuditChainStore>(), services.GetRequiredService<AuditChain>());
        var result = await verifier.VerifyAsync(directory, Path.GetFullPath(options.ArchiveDirectory), publicKey, CancellationToken.None);
        await output.WriteLineAsync($"{result.Records} records, {result.Checkpoints} signed checkpoints in {directory}");
        foreach (var finding in result.Findings)
        {
            await output.WriteLineAsync("  " + finding);
        }

        await output.WriteLineAsync(result.Intact ? "intact" : $"NOT INTACT: {result.Findings.Count} finding(s)");
        return result.Intact ? 0 : 1;
    }
}
