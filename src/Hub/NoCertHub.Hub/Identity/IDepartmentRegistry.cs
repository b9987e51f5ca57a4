namespace NoCertHub.Hub.Identity;

/// <summary>The departments the hub knows (the catalog's registry); a certificate of any other is refused.</summary>
internal interface IDepartmentRegistry
{
    bool IsKnown(string department);
}
