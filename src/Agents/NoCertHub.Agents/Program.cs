using Microsoft.Extensions.Options;
using NoCertHub.Agents.Hosting;
using NoCertHub.Agents.OnSite;
using NoCertHub.Hosting;

// Settings ship beside the binary; the sample legacy databases go under the working directory.
var onSite = args is ["onsite", ..];
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = onSite ? [] : args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddDepartmentAgents();
if (onSite)
{
    // An officer's command against the on-site work list, run beside the serving agent: no lock.
    using var tool = builder.Build();
    var options = tool.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
    return await OnSiteCommand.RunAsync(args[1..], options, Console.Out, TimeProvider.System, CancellationToken.None);
}

DataFolderLock dataFolder;
try
{
    // Before anything opens a file in the folder (the sample databases are created at start).
    dataFolder = DataFolderLock.Acquire(builder.Configuration[$"{AgentOptions.Section}:{nameof(AgentOptions.DataDirectory)}"] ?? new AgentOptions().DataDirectory, "agent", "Agent:DataDirectory");
}
catch (DataFolderInUseException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 3;
}

using (dataFolder)
{
    using var host = builder.Build();
    await host.RunAsync();
}

return 0;
