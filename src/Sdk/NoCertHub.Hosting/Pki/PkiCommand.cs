using System.Globalization;

namespace NoCertHub.Hosting.Pki;

/// <summary>
/// <c>pki init | issue | revoke</c>: the small certificate tool for development and a pilot, over a
/// <see cref="CertificateAuthority"/> folder (default data/pki). A district issues production
/// certificates from its government CA with the same subjects (docs/security.md).
/// </summary>
public static class PkiCommand
{
    public const string Usage = """
        pki init   [--folder data/pki] [--name "Jiaojiang development CA"] [--days 3650]
        pki issue  --role window|agent|joint-office|operator|hub --department DEPT --name NAME
                   [--officer OFFICER] [--host NAME_OR_IP]... [--days 365] [--folder data/pki]
        pki revoke CERTIFICATE.pem [--folder data/pki]
        """;

    /// <returns>0 done, 2 wrong usage or a refusal (printed).</returns>
    public static int Run(string[] args, TextWriter output)
    {
        try
        {
            return args switch
            {
                ["init", .. var rest] => Init(Options(rest), output),
                ["issue", .. var rest] => Issue(Options(rest), output),
                ["revoke", var file, .. var rest] => Revoke(file, Options(rest), output),
                _ => Fail(output, "usage:\n" + Usage),
            };
        }
        catch (Exception e) when (e is ArgumentException or IOException or FormatException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return Fail(output, e.Message);
        }
    }

    private static int Init(ILookup<string, string> options, TextWriter output)
    {
        var folder = Folder(options);
        var ca = CertificateAuthority.Create(folder, options["--name"].LastOrDefault() ?? "Jiaojiang development CA", TimeSpan.FromDays(Days(options, 3650)));
        output.WriteLine($"CA created: {ca.CertificatePath} (its key beside it, readable by you alone), revocation list {ca.RevocationListPath}");
        return 0;
    }

    private static int Issue(ILookup<string, string> options, TextWriter output)
    {
        if (!PrincipalRoles.TryParse(Required(options, "--role"), out var role))
        {
            throw new ArgumentException($"--role must be one of window, agent, joint-office, operator, hub; not '{options["--role"].Last()}'");
        }

        var subject = new CertificateSubject(role, Required(options, "--department"), Required(options, "--name"), options["--officer"].LastOrDefault());
        var path = CertificateAuthority.Open(Folder(options)).Issue(subject, TimeSpan.FromDays(Days(options, 365)), [.. options["--host"]]);
        output.WriteLine($"issued {role.Name()} certificate for {subject.Name} of {subject.Department}: {path} (key: {CertificateAuthority.KeyPathOf(path)})");
        return 0;
    }

    private static int Revoke(string file, ILookup<string, string> options, TextWriter output)
    {
        var ca = CertificateAuthority.Open(Folder(options));
        ca.Revoke(file);
        output.WriteLine($"revoked {file}; publish {ca.RevocationListPath} to the hubs (they read it again within seconds)");
        return 0;
    }

    private static ILookup<string, string> Options(string[] args)
    {
        var pairs = new List<(string, string)>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --option value, got '{args[i]}'\nusage:\n{Usage}");
            }

            pairs.Add((args[i], args[++i]));
        }

        return pairs.ToLookup(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
    }

    private static string Folder(ILookup<string, string> options) => options["--folder"].LastOrDefault() ?? Path.Combine("data", "pki");

    private static int Days(ILookup<string, string> options, int fallback) =>
        options["--days"].LastOrDefault() is { } days ? int.Parse(days, CultureInfo.InvariantCulture) : fallback;

    private static string Required(ILookup<string, string> options, string name) =>
        options[name].LastOrDefault() is { Length: > 0 } value ? value : throw new ArgumentException($"{name} is required\nusage:\n{Usage}");

    private static int Fail(TextWriter output, string message)
    {
        output.WriteLine(message);
        return 2;
    }
}
