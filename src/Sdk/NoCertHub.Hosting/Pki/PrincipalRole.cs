namespace NoCertHub.Hosting.Pki;

/// <summary>What a certificate lets its holder do at the hub; written in the certificate's subject (see <see cref="CertificateSubject"/>).</summary>
public enum PrincipalRole
{
    /// <summary>A service window of a department: submits checks and reads its own results.</summary>
    Window,

    /// <summary>A department's agent beside its database: answers the department's checks.</summary>
    Agent,

    /// <summary>An officer of the joint office (Art. 15–17): oversight, audit search, catalog decisions, violations.</summary>
    JointOffice,

    /// <summary>The big-data center's operators: health and operations, no citizen's data.</summary>
    Operator,

    /// <summary>The hub itself (its TLS server certificate).</summary>
    Hub,
}

public static class PrincipalRoles
{
    /// <summary>The role as written in a certificate: window, agent, joint-office, operator, hub.</summary>
    public static string Name(this PrincipalRole role) => role switch
    {
        PrincipalRole.Window => "window",
        PrincipalRole.Agent => "agent",
        PrincipalRole.JointOffice => "joint-office",
        PrincipalRole.Operator => "operator",
        PrincipalRole.Hub => "hub",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParse(string? text, out PrincipalRole role)
    {
        foreach (var candidate in Enum.GetValues<PrincipalRole>())
        {
            if (string.Equals(candidate.Name(), text, StringComparison.Ordinal))
            {
                role = candidate;
                return true;
            }
        }

        role = default;
        return false;
    }
}
