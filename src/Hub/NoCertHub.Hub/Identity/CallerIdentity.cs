using System.Security.Cryptography.X509Certificates;
using Grpc.Core;

namespace NoCertHub.Hub.Identity;

/// <summary>Who is calling, as proven by the transport (Art. 10: personal CA certificates).</summary>
internal sealed record CallerIdentity(string Officer, string? Department);

/// <summary>
/// The one place the hub learns who is calling. The audit reads the officer from here, never from
/// free text, whenever the transport proves one.
/// </summary>
internal interface ICallerIdentityResolver
{
    /// <summary>The authenticated caller, or null when the connection carries no proof of identity.</summary>
    CallerIdentity? Resolve(ServerCallContext context);
}

/// <summary>
/// Reads the officer from a mutual-TLS client certificate: the subject's common name is the
/// officer, its organizational unit the department. Without a certificate there is no proven
/// identity and the request's declared officer is used.
/// </summary>
internal sealed class ClientCertificateIdentityResolver : ICallerIdentityResolver
{
    public CallerIdentity? Resolve(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null)
        {
            return null;
        }

        var officer = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var department = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .FirstOrDefault(n => n.GetSingleElementType().Value == "2.5.4.11")?.GetSingleElementValue();
        return string.IsNullOrEmpty(officer) ? null : new CallerIdentity(officer, department);
    }
}
