namespace NoCertHub.Hub.Identity;

internal sealed class OversightOptions
{
    public const string Section = "Oversight";

    public const string DefaultDepartment = "jj-joint-office";

    /// <summary>
    /// Departments (certificate OU) whose joint-office officers may call the joint office's APIs.
    /// Configured, it replaces the default (jj-joint-office); it is never added to.
    /// </summary>
    public List<string> Departments { get; set; } = [];
}
