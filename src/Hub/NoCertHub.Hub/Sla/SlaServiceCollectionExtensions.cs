using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;

namespace NoCertHub.Hub.Sla;

internal static class SlaServiceCollectionExtensions
{
    public static IServiceCollection AddSla(this IServiceCollection services)
    {
        services.AddOptions<SlaOptions>().BindConfiguration(SlaOptions.Section)
            .Validate(o => o.Immediate > TimeSpan.Zero && o.Records > TimeSpan.Zero && o.OnSite > TimeSpan.Zero, "Sla limits must be positive")
            .Validate(o => o.ReminderAt is >= 0 and < 1, "Sla:ReminderAt is a fraction of the time allowed: 0 (off) up to, not including, 1")
            .Validate(o => o.SweepMaxSleep > TimeSpan.Zero && o.SafetyNetInterval > TimeSpan.Zero, "Sla:SweepMaxSleep and Sla:SafetyNetInterval must be positive")
            .Validate(o => o.SweepBatch is >= 1 and <= 100_000, "Sla:SweepBatch must be between 1 and 100000")
            .Validate(o => o.CaseRetention > TimeSpan.Zero && o.ClosedEscalationRetention > TimeSpan.Zero, "Sla retention periods must be positive")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SlaOptions>, CalendarValidation>();
        services.AddSingleton<DeadlinePolicy>();
        services.AddSingleton<RedisSlaStore>();
        services.AddSingleton<SlaMetrics>();
        services.AddSingleton<ReminderRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<ReminderRelay>());
        services.AddSingleton<OverdueSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<OverdueSweeper>());

        services.AddRecurringJob<SafetyNetJob>("sla-safety-net", sp => sp.GetRequiredService<IOptions<SlaOptions>>().Value.SafetyNetInterval);
        return services;
    }

    /// <summary>A calendar with a typo must stop the hub at start, saying which entry is wrong.</summary>
    private sealed class CalendarValidation : IValidateOptions<SlaOptions>
    {
        public ValidateOptionsResult Validate(string? name, SlaOptions options)
        {
            if (options.Clock != SlaClock.WorkingDays)
            {
                return ValidateOptionsResult.Success;
            }

            try
            {
                _ = new WorkingCalendar(options.Calendar);
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException e)
            {
                return ValidateOptionsResult.Fail(e.Message);
            }
        }
    }
}
