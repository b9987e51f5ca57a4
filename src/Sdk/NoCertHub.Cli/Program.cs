using System.CommandLine;
using NoCertHub.Cli;

// nocert: the hub's command line for the joint office, operators and department IT (docs/cli.md).
var root = new RootCommand("nocert: the NoCertHub command line — catalog, escalations, audit, one check, health. Exit codes: docs/cli.md.");
foreach (var option in Connection.Options)
{
    root.Add(option);
}

root.Add(CatalogCommands.Build());
root.Add(EscalationCommands.Build());
root.Add(AuditCommands.Build());
root.Add(VerifyCommand.Build());
root.Add(HealthCommand.Build());

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync(error.Message);
    }

    await Console.Error.WriteLineAsync("See nocert --help.");
    return ExitCodes.Usage;
}

return await parsed.InvokeAsync();
