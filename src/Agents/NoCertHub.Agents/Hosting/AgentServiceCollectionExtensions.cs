namespace NoCertHub.Agents.Hosting;

internal static class AgentServiceCollectionExtensions
{
    public static IServiceCollection AddDepartmentAgents(this IServiceCollection services)
    {
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section)
            .Validate(o => o.Departments.Count > 0, "Agent:Departments is empty: configure at least one department")
            .Validate(o => o.Departments.All(d => !string.IsNullOrWhiteSpace(d.Department)), "every Agent:Departments entry needs a Department")
            .Validate(o => o.Departments.All(d => d.Capacity >= 1), "Agent:Departments:*:Capacity must be at least 1")
            .Validate(o => o.Departments.All(d => !string.IsNullOrWhiteSpace(d.Database.ConnectionString)), "every department needs Database:ConnectionString")
            .Validate(o => o.Departments.All(d => d.Items.Count > 0 && d.Items.Values.All(i => i.OnSite || !string.IsNullOrWhiteSpace(i.Query))), "every department needs Items, each with a Query unless it is OnSite")
            .Validate(o => o.Departments.All(d => d.Items.Values.All(i => i.OnSite || i.Expect == Expectation.Absent || i.Fields.Count > 0)), "an item expecting a present record needs Fields (claim field → column)")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AgentWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentWorker>());
        return services;
    }
}
