using System.CommandLine;
using Grpc.Health.V1;

namespace NoCertHub.Cli;

/// <summary>nocert health: whether the hub can take requests (grpc.health.v1; needs no certificate). Exit 0 serving, 1 not.</summary>
internal static class HealthCommand
{
    public static Command Build()
    {
        var command = new Command("health", "Whether the hub can take requests (its Redis and audit store answer); exit 0 serving, 1 not, 3 unreachable");
        command.SetAction((parsed, ct) => Connection.RunAsync(parsed, async (channel, call, output) =>
        {
            var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), call);
            output.Print(response, [("hub", parsed.GetValue(Connection.Hub)!), ("status", response.Status.ToString().ToLowerInvariant())]);
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving ? ExitCodes.Ok : ExitCodes.Negative;
        }, ct));
        return command;
    }
}
