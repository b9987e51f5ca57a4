using NoCertHub.Agents.Hosting;

// Settings ship beside the binary; the sample legacy databases go under the working directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddDepartmentAgents();
builder.Build().Run();
