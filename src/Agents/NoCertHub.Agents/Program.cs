using Microsoft.Extensions.Options;
using NoCertHub.Agents.Hosting;
using NoCertHub.Agents.OnSite;

// Settings ship beside the binary; the sample legacy databases go under the working directory.
var onSite = args is ["onsite", ..];
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = onSite ? [] : args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddDepartmentAgents();
using var host = builder.Build();
if (onSite)
{
    // An officer's command against the on-site work list; the running agent sends what is recorded.
    var options = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
    return await OnSiteCommand.RunAsync(args[1..], options, Console.Out, TimeProvider.System, CancellationToken.None);
}

await host.RunAsync();
return 0;
