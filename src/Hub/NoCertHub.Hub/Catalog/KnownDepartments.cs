using Microsoft.Extensions.Options;
using NoCertHub.Hub.Identity;

namespace NoCertHub.Hub.Catalog;

/// <summary>The departments of the catalog's registry, and the joint office's as configured.</summary>
internal sealed class KnownDepartments(CatalogLoader loader, IOptions<OversightOptions> oversight) : IDepartmentRegistry
{
    public bool IsKnown(string department) =>
        loader.Departments.ContainsKey(department) || oversight.Value.Departments.Contains(department, StringComparer.Ordinal);
}
