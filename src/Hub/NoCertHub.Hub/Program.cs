using NoCertHub.Hosting;
using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Hosting;

if (args is ["pki", .. var pki])
{
    // The certificate tool (docs/security.md): no hub is started.
    return NoCertHub.Hosting.Pki.PkiCommand.Run(pki, Console.Out);
}

// Settings ship beside the binary; data (embedded Redis, audit database) goes under the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddNoCertHub();

if (args is ["verify-audit", ..])
{
    // Reads the audit store only; runs beside a serving hub, so it takes no lock.
    using var tool = builder.Build();
    return await AuditVerifyCommand.RunAsync(tool.Services, args, Console.Out);
}

if (args is ["verify-report", ..])
{
    // Reads the report's files and a public key only.
    using var tool = builder.Build();
    return await NoCertHub.Hub.Evaluation.ReportVerifyCommand.RunAsync(tool.Services, args, Console.Out);
}

if (args is ["seed-demo", ..])
{
    // Fills an empty data folder with a synthetic month and writes its report (docs/evaluation.md).
    using var tool = builder.Build();
    return await NoCertHub.Hub.Evaluation.DemoMonthCommand.RunAsync(tool.Services, args, Console.Out);
}

WebApplication app;
try
{
    app = builder.BuildHub();
}
catch (Exception e) when (e is DataFolderInUseException or EndpointInUseException or TransportSecurityException)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 3;
}

app.Run();
return 0;
