using Microsoft.Extensions.Options;
using NoCertHub.Hub.Storage;

namespace NoCertHub.Hub.Complaints;

internal static class ComplaintsServiceCollectionExtensions
{
    /// <summary>Article 15's complaint store and its settings.</summary>
    public static IServiceCollection AddComplaints(this IServiceCollection services)
    {
        services.AddOptions<ComplaintOptions>().BindConfiguration(ComplaintOptions.Section)
            .Validate(o => o.HandlingLimit > TimeSpan.Zero, "Complaints:HandlingLimit must be positive")
            .ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ComplaintOptions>>().Value;
            IComplaintSqlDialect dialect = options.Provider switch
            {
                ComplaintProvider.SqlServer => new SqlServerComplaintDialect(),
                _ => new SqliteComplaintDialect(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Durability),
            };
            return new ComplaintStore(dialect, options.ConnectionString);
        });
        return services;
    }
}
