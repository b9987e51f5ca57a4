using System.Text;
using NoCertHub.Hub.Catalog;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Hub.Tests.Catalog;

public class FileCatalogTests
{
    [Fact]
    public void Load_SampleCatalog_HasEveryItemWithItsOwnerAndSlaClass()
    {
        var catalog = FileCatalog.Load(Path.Combine(AppContext.BaseDirectory, "catalog", "sample-catalog.json"));

        Assert.Equal(SlaClass.Immediate, catalog.Find("JJ-MZ-001")!.SlaClass);
        Assert.Equal(SlaClass.Records, catalog.Find("JJ-GA-001")!.SlaClass);
        Assert.Equal(SlaClass.OnSite, catalog.Find("JJ-JD-001")!.SlaClass);
        Assert.Equal("jj-civil-affairs", catalog.Find("JJ-MZ-001")!.OwningDepartment);
        Assert.False(catalog.Find("JJ-MZ-009")!.IsInForceOn(new DateOnly(2026, 11, 28)));
        Assert.Null(catalog.Find("JJ-XX-404"));
    }

    [Fact]
    public void Parse_BrokenCatalog_ReportsEveryProblemAtOnce()
    {
        const string json = """
            { "items": [
              { "code": "A", "name": "a", "legalBasis": "x", "replacementMethod": "m", "owningDepartment": "d", "slaClass": "soon", "fields": ["f"] },
              { "code": "A", "name": "dup", "legalBasis": "x", "replacementMethod": "m", "owningDepartment": "d", "slaClass": "immediate" },
              { "code": "B", "name": "b", "replacementMethod": "m", "owningDepartment": "d", "slaClass": "records", "fields": ["f"], "disclosableFields": ["g"] }
            ] }
            """;

        var error = Assert.Throws<InvalidOperationException>(() => FileCatalog.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json"));

        Assert.Contains("slaClass", error.Message, StringComparison.Ordinal);
        Assert.Contains("duplicate code", error.Message, StringComparison.Ordinal);
        Assert.Contains("legalBasis is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("disclosable field 'g'", error.Message, StringComparison.Ordinal);
    }
}
