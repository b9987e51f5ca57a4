using System.ComponentModel.DataAnnotations;

namespace NoCertHub.Hub.Catalog;

internal sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>A JSON catalog file; relative paths are resolved against the hub's base directory.</summary>
    [Required]
    public string Path { get; set; } = "catalog/sample-catalog.json";
}
