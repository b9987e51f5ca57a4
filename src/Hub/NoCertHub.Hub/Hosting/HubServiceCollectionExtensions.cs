using NoCertHub.Hub.Agents;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Complaints;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Evaluation;
using NoCertHub.Hub.Identity;
using NoCertHub.Hub.Limits;
using NoCertHub.Hub.Observability;
using NoCertHub.Hub.Oversight;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.Hub.Sla;
using NoCertHub.Hub.Storage;
using NoCertHub.Hub.Verification;

namespace NoCertHub.Hub.Hosting;

internal static class HubServiceCollectionExtensions
{
    public static IServiceCollection AddNoCertHub(this IServiceCollection services)
    {
        services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<ErrorMappingInterceptor>();
            o.Interceptors.Add<TranscodedRequestCheck>();
        })
            // The window API as REST/JSON (the http options in verification.proto), on the gRPC port,
            // through the same authentication, access policies, interceptors and services.
            .AddJsonTranscoding();
        // Its OpenAPI description, from the same protos and their comments: GET /openapi/v1.json.
        services.AddGrpcSwagger();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new Microsoft.OpenApi.Models.OpenApiInfo
            {
                Title = "NoCertHub window API (REST/JSON)",
                Version = "v1",
                Description = "The VerificationService of protos/nocert/v1/verification.proto over HTTP/JSON. Every call presents the window's client certificate (mutual TLS), as over gRPC. See docs/sdk.md.",
            });
            var comments = Path.Combine(AppContext.BaseDirectory, "NoCertHub.Hub.xml");
            if (File.Exists(comments))
            {
                o.IncludeGrpcXmlComments(comments, includeControllerXmlComments: true);
            }
        });
        services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<HubOptions>>((grpc, hub) => grpc.MaxReceiveMessageSize = hub.Value.MaxMessageBytes);
        // Every service is bound with request parsers that drop unknown fields and answer a message
        // they cannot read with InvalidArgument (HardenedMethodProvider), instead of grpc-dotnet's binder.
        foreach (var binder in services.Where(d => d.ServiceType == typeof(Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>)
            && d.ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true).ToList())
        {
            services.Remove(binder);
        }

        services.AddSingleton(typeof(Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>), typeof(HardenedMethodProvider<>));
        services.AddSingleton<MalformedMessages>();
        services.AddCore().AddStorage().AddCatalog().AddSla().AddRedis().AddRequestStore().AddAudit().AddCallerIdentity().AddOversight().AddComplaints().AddEvaluation()
            .AddRequestRouting().AddVerification().AddAgents().AddHubObservability().AddCallerLimits()
            .AddHubScheduler();
        services.AddGrpcReflection();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AccessRefusalHandler>();
        return services;
    }

    public static WebApplication MapNoCertHub(this WebApplication endpoints)
    {
        // Who calls, from the client certificate, then whether the RPC's policy admits them (Identity/AccessPolicies).
        endpoints.UseAuthentication();
        // Calls per caller (Limits:CallsPerSecond), counted before authorisation: refused calls spend tokens too.
        endpoints.UseRateLimiter();
        endpoints.UseAuthorization();
        endpoints.MapGrpcService<VerificationGrpcService>();
        endpoints.MapGrpcService<AgentGrpcService>();
        endpoints.MapGrpcService<OversightGrpcService>();
        endpoints.MapGrpcService<AuditGrpcService>();
        endpoints.MapGrpcService<CatalogGrpcService>();
        endpoints.MapGrpcService<ComplaintGrpcService>();
        endpoints.MapGrpcService<EvaluationGrpcService>();
        // Any standard gRPC client (grpcurl, Postman) can list and call the services without the protos.
        endpoints.MapGrpcReflectionService().RequireAuthorization(AccessPolicies.AnyCertified);
        endpoints.MapHubHealth();
        // The REST/JSON routes' OpenAPI description (public: it describes, it answers nothing).
        // An endpoint, not middleware: a middleware would run (and allocate) for every call of every RPC.
        endpoints.MapSwagger("openapi/{documentName}.json");
        // The public cancellation list (Art. 6) as JSON, for anyone, on the plain HTTP port.
        endpoints.MapGet("/catalog/cancellation-list.json", CatalogPublication.Render);
        endpoints.MapEvaluationReports();
        endpoints.MapHubMetrics();
        return endpoints;
    }
}
