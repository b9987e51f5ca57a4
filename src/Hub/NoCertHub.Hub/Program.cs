using NoCertHub.Hub.Audit;
using NoCertHub.Hub.Hosting;

// Settings ship beside the binary; data (embedded Redis, audit database) goes under the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddNoCertHub();

var app = builder.Build();
if (args is ["verify-audit", ..])
{
    return await AuditVerifyCommand.RunAsync(app.Services, args, Console.Out);
}

app.MapNoCertHub();
app.Run();
return 0;
