using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;

namespace NoCertHub.Hub.Evaluation;

/// <summary>
/// <c>NoCertHub.Hub verify-report FILE.json [--public-key FILE]</c>: checks a report's JSON against
/// its signature (FILE.json.sig). Exit code 0 when it is the hub's, unchanged; 1 when not; 2 when
/// something is missing. The public key defaults to the one the hub exports beside its audit
/// checkpoints; better, pass a copy kept where the hub's administrators cannot write.
/// </summary>
internal static class ReportVerifyCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        if (args.Length < 2 || args[1].StartsWith("--", StringComparison.Ordinal))
        {
            await output.WriteLineAsync("usage: verify-report report-yyyy-MM.json [--public-key FILE]");
            return 2;
        }

        var report = Path.GetFullPath(args[1]);
        var keyIndex = Array.IndexOf(args, "--public-key");
        var keyPath = keyIndex >= 0 && keyIndex + 1 < args.Length
            ? args[keyIndex + 1]
            : Path.Combine(Path.GetFullPath(services.GetRequiredService<IOptions<AuditOptions>>().Value.CheckpointDirectory), "checkpoint-signing.pub.pem");
        foreach (var (path, what) in new[] { (report, "report"), (report + ".sig", "signature"), (keyPath, "public key (--public-key FILE)") })
        {
            if (!File.Exists(path))
            {
                await output.WriteLineAsync($"No {what} at {path}");
                return 2;
            }
        }

        var json = await File.ReadAllBytesAsync(report);
        var signature = await File.ReadAllTextAsync(report + ".sig");
        var publicKey = await File.ReadAllTextAsync(keyPath);
        var (valid, why) = ReportSigner.Verify(json, signature, publicKey);
        await output.WriteLineAsync(valid ? $"{report}: intact, {why}" : $"{report}: NOT VERIFIED: {why}");
        return valid ? 0 : 1;
    }
}
