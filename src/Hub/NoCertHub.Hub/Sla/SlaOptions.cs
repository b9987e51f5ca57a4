namespace NoCertHub.Hub.Sla;

/// <summary>Article 11 answer limits per SLA class.</summary>
internal sealed class SlaOptions
{
    public const string Section = "Sla";

    public TimeSpan Immediate { get; set; } = TimeSpan.FromMinutes(30);

    public TimeSpan Records { get; set; } = TimeSpan.FromDays(1);

    public TimeSpan OnSite { get; set; } = TimeSpan.FromDays(2);
}
