namespace NoCertHub.Hub.Complaints;

internal enum ComplaintProvider
{
    Sqlite,
    SqlServer,
}

/// <summary>Where complaints are kept, and how long the joint office has to handle one (Art. 15).</summary>
internal sealed class ComplaintOptions
{
    public const string Section = "Complaints";

    public ComplaintProvider Provider { get; set; } = ComplaintProvider.Sqlite;

    /// <summary>ADO.NET connection string of the complaint store. Default: a SQLite file under data/.</summary>
    public string ConnectionString { get; set; } = "Data Source=data/complaints.db";

    /// <summary>
    /// From receipt to resolution; an unresolved complaint past it is listed as overdue. The
    /// regulation leaves the time to the joint office; 15 days is the 12345 hotline's usual limit.
    /// </summary>
    public TimeSpan HandlingLimit { get; set; } = TimeSpan.FromDays(15);
}
