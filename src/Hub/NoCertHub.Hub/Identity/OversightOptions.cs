namespace NoCertHub.Hub.Identity;

internal sealed class OversightOptions
{
    public const string Section = "Oversight";

    /// <summary>Departments (client certificate OU) allowed to call the oversight API: the joint office.</summary>
    public List<string> Departments { get; set; } = ["jj-joint-office"];

    /// <summary>
    /// Lets callers without a client certificate use the oversight API, naming themselves. Only for
    /// a hub reachable from loopback alone (the embedded demo); production leaves it off.
    /// </summary>
    public bool AllowWithoutCertificate { get; set; }
}
