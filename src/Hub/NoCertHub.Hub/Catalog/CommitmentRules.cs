using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// Articles 8-10 on written commitments (告知承诺): allowed only for items whose replacement is a
/// commitment, never in the excluded domains, and not for an applicant under a ban. Bans run
/// from their start to their end (the district's two years), or until lifted when the applicant's
/// credit is repaired (the national rule); they expire on their own.
/// </summary>
internal static class CommitmentRules
{
    public static bool BanInForce(ViolationRecord ban, DateOnly day) =>
        ban.StartsOn <= day
        && (ban.EndsOn is { } end ? day < end : ban.LiftedOn is not { } lifted || day < lifted);

    public static (bool Eligible, string Reason, IReadOnlyList<ViolationRecord> Bans) Evaluate(CatalogItem item, IEnumerable<ViolationRecord> violations, DateOnly day)
    {
        var excluded = item.Domain switch
        {
            CommitmentDomain.PublicSafety => "public safety",
            CommitmentDomain.FinancialSecurity => "financial security",
            CommitmentDomain.Ecology => "ecology and the environment",
            CommitmentDomain.HealthAndLife => "health and life",
            _ => null,
        };
        if (excluded is not null)
        {
            return (false, $"{item.Code} ({item.Name}) concerns {excluded}: a written commitment cannot replace it (Art. 9)", []);
        }

        switch (item.ReplacementMethod)
        {
            case ReplacementMethod.Abolished:
                return (false, $"{item.Code} ({item.Name}) is abolished: nothing may be asked of the applicant, not even a commitment (Art. 7)", []);
            case ReplacementMethod.DataSharing:
                return (false, $"{item.Code} ({item.Name}) is answered from shared data: the office must look it up, not ask the applicant (Art. 10)", []);
            case ReplacementMethod.InterDepartmentCheck:
            case ReplacementMethod.OnSiteCheck:
                return (false, $"{item.Code} ({item.Name}) is replaced by a check the owning department makes, not by a commitment (Art. 7)", []);
        }

        var bans = violations.Where(v => BanInForce(v, day)).ToList();
        if (bans.Count > 0)
        {
            var until = bans.Any(b => b.EndsOn is null)
                ? "until their credit is repaired"
                : $"until {bans.Max(b => b.EndsOn)!.Value:yyyy-MM-dd}";
            return (false, $"the applicant broke an earlier commitment ({bans[0].Reason}) and may not use one {until} (Art. 9)", bans);
        }

        return (true, $"a written commitment may replace {item.Code} ({item.Name}); the owning department checks it afterwards (Art. 8)", []);
    }
}
