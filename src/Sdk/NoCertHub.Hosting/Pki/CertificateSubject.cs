using System.Security.Cryptography.X509Certificates;

namespace NoCertHub.Hosting.Pki;

/// <summary>
/// What a NoCertHub certificate's subject says, and how: CN the holder's name (window id, agent id,
/// officer id, or the hub's host name), OU the department, title (2.5.4.12) the role, and for a
/// window certificate issued to one officer, UID (0.9.2342.19200300.100.1.1) that officer.
/// </summary>
public sealed record CertificateSubject(PrincipalRole Role, string Department, string Name, string? Officer = null)
{
    public const string CommonNameOid = "2.5.4.3";
    public const string DepartmentOid = "2.5.4.11";
    public const string RoleOid = "2.5.4.12";
    public const string OfficerOid = "0.9.2342.19200300.100.1.1";

    public X500DistinguishedName ToDistinguishedName()
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName("Jiaojiang District");
        builder.AddOrganizationalUnitName(Department);
        builder.Add(RoleOid, Role.Name(), System.Formats.Asn1.UniversalTagNumber.UTF8String);
        if (Officer is not null)
        {
            builder.Add(OfficerOid, Officer, System.Formats.Asn1.UniversalTagNumber.UTF8String);
        }

        builder.AddCommonName(Name);
        return builder.Build();
    }

    /// <summary>The subject of <paramref name="certificate"/>, or why it is not one this hub can act on.</summary>
    public static CertificateSubject Read(X509Certificate2 certificate, out string? problem)
    {
        string? Attribute(string oid) => certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .FirstOrDefault(n => n.GetSingleElementType().Value == oid)?.GetSingleElementValue()?.Trim();

        var name = Attribute(CommonNameOid);
        var department = Attribute(DepartmentOid);
        var roleText = Attribute(RoleOid);
        var hasRole = PrincipalRoles.TryParse(roleText, out var role);
        problem = string.IsNullOrEmpty(name) ? "the certificate's subject has no CN (the holder's name)"
            : string.IsNullOrEmpty(department) ? "the certificate's subject has no OU: it names no department"
            : !hasRole ? $"the certificate's subject has no role (title = window, agent, joint-office or operator){(roleText is null ? "" : $"; it says '{roleText}'")}"
            : null;
        return new CertificateSubject(role, department ?? "", name ?? "", Attribute(OfficerOid) is { Length: > 0 } officer ? officer : null);
    }
}
