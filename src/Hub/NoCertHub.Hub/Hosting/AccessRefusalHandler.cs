using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Core;
using NoCertHub.Hosting.Pki;
using NoCertHub.Hub.Identity;

namespace NoCertHub.Hub.Hosting;

/// <summary>
/// Turns a refused call into what a gRPC client can read — <c>Unauthenticated</c> (no valid
/// certificate) or <c>PermissionDenied</c> (a certificate whose role may not call this), each with a
/// reason a person can act on — and records it on the Article 17 trail before answering.
/// </summary>
internal sealed class AccessRefusalHandler(
    ClientCertificateCheck check,
    IAuditLog audit,
    TimeProvider time,
    IOptions<HubOptions> hub,
    ILogger<AccessRefusalHandler> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, result);
            return;
        }

        var caller = CallerIdentity.From(context.User);
        // A refused certificate still says whose it is, as far as its subject goes.
        var presented = context.Connection.ClientCertificate is { } certificate ? CertificateSubject.Read(certificate, out _) : null;
        var method = context.Request.Path.Value ?? "";
        var (status, reason) = result.Challenged || caller is null
            ? (StatusCode.Unauthenticated, AccessRefusal.Describe(context, check, time.GetUtcNow()))
            : (StatusCode.PermissionDenied, $"{caller.Name} of {caller.Department} (certificate role {caller.Role}) may not call {method}");
        IdentityLog.Refused(logger, $"{method}: {status}: {reason}");
        var record = new AuditRecord
        {
            RecordedAt = time.GetUtcNowMilliseconds(),
            Kind = AuditKind.Refused,
            RequesterDepartment = AuditRecord.Clip(caller?.Department ?? presented?.Department, 64),
            Officer = AuditRecord.Clip(caller?.Officer ?? presented?.Name, 128),
            HubInstance = hub.Value.InstanceId,
            Reason = AuditRecord.Clip($"{status}: {method}: {reason}", 1024),
        };
        try
        {
            await audit.WriteAsync(record, context.RequestAborted);
        }
        catch (AuditUnavailableException)
        {
            // Refused all the same; the caller learns the trail is down, as every other call would.
            (status, reason) = (StatusCode.Unavailable, $"the audit trail cannot record this call's refusal ({reason}); try again when it is back");
        }

        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            AccessRefusal.TrailersOnly(context, status, reason);
            return;
        }

        // REST/JSON and the HTTP pages (reports): the HTTP status, and the reason in the body as
        // gRPC JSON transcoding writes every other error ({"code", "message", "details"}).
        context.Response.StatusCode = status switch
        {
            StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
            StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        await context.Response.WriteAsJsonAsync(new { code = (int)status, message = reason, details = Array.Empty<object>() }, context.RequestAborted);
    }
}
