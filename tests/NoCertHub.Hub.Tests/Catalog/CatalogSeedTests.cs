using System.Text;
using NoCertHub.Hub.Catalog;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Hub.Tests.Catalog;

public class CatalogSeedTests
{
    [Fact]
    public void SampleCatalog_HasRealisticItemsOfEveryReplacementMethod_AndEveryExcludedDomain()
    {
        var seed = CatalogSeed.Load(Path.Combine(AppContext.BaseDirectory, "catalog", "sample-catalog.json"));
        var catalog = new CatalogSnapshot(seed.Items.Select(s => CatalogItem.FromSpec(s, 1)));
        var today = new DateOnly(2026, 11, 28);

        Assert.Equal(
            Enum.GetValues<ReplacementMethod>().Where(m => m != ReplacementMethod.Unspecified).Order(),
            seed.Items.Select(i => i.ReplacementMethod).Distinct().Order());
        Assert.Equal(
            Enum.GetValues<CommitmentDomain>().Where(d => d != CommitmentDomain.Unspecified).Order(),
            seed.Items.Select(i => i.Domain).Distinct().Order());
        Assert.Equal(SlaClass.Immediate, catalog.Find("JJ-MZ-001", today)!.SlaClass);
        Assert.Equal(SlaClass.Records, catalog.Find("JJ-GA-001", today)!.SlaClass);
        Assert.Equal(SlaClass.OnSite, catalog.Find("JJ-JD-001", today)!.SlaClass);
        Assert.True(catalog.Find("JJ-JD-002", today)!.RequiresAuthorization);
        Assert.Equal("jj-civil-affairs", catalog.Find("JJ-MZ-001", today)!.OwningDepartment);
        Assert.False(catalog.Find("JJ-MZ-009", today)!.IsInForceOn(today));
        Assert.DoesNotContain(catalog.InForceOn(today), i => i.Code == "JJ-MZ-009");
        Assert.Null(catalog.Find("JJ-XX-404", today));
        Assert.Contains("jj-joint-office", seed.Departments.Keys);
    }

    [Fact]
    public void BrokenCatalog_ReportsEveryProblemAtOnce()
    {
        const string json = """
            { "departments": [ { "code": "d", "name": "D" } ],
              "items": [
              { "code": "A", "name": "a", "legalBasis": "x", "replacementMethod": "interDepartmentCheck", "owningDepartment": "d", "slaClass": "soon", "fields": ["f"], "effectiveFrom": "2020-01-01" },
              { "code": "A", "name": "dup", "legalBasis": "x", "replacementMethod": "abolished", "owningDepartment": "d", "slaClass": "immediate", "effectiveFrom": "2020-01-01" },
              { "code": "B", "name": "b", "replacementMethod": "interDepartmentCheck", "owningDepartment": "nobody", "slaClass": "records", "fields": ["f"], "disclosableFields": ["g"], "effectiveFrom": "2020-01-01" },
              { "code": "C", "name": "c", "legalBasis": "x", "owningDepartment": "d", "slaClass": "records", "fields": ["f"], "effectiveFrom": "2020-01-01", "effectiveUntil": "2019-01-01" },
              { "code": "E", "name": "e", "legalBasis": "x", "replacementMethod": "dataSharing", "owningDepartment": "d", "slaClass": "records", "fields": ["f"], "effectiveFrom": "2020-01-01" }
            ] }
            """;

        var error = Assert.Throws<InvalidOperationException>(() => CatalogSeed.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json"));

        Assert.Contains("slaClass 'soon'", error.Message, StringComparison.Ordinal);
        Assert.Contains("duplicate code", error.Message, StringComparison.Ordinal);
        Assert.Contains("legal_basis is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("owning_department 'nobody' is not a known department", error.Message, StringComparison.Ordinal);
        Assert.Contains("disclosable field 'g'", error.Message, StringComparison.Ordinal);
        Assert.Contains("replacement_method is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("effective_until 2019-01-01 must be after effective_from 2020-01-01", error.Message, StringComparison.Ordinal);
        Assert.Contains("data-sharing item is answered at once", error.Message, StringComparison.Ordinal);
    }
}
