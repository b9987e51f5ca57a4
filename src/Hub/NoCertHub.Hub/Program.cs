using NoCertHub.Hub.Hosting;

// Settings ship beside the binary; data (embedded Redis, audit database) goes under the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddNoCertHub();

var app = builder.Build();
app.MapNoCertHub();
app.Run();
