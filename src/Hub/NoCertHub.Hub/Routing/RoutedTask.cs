using NoCertHub.V1;

namespace NoCertHub.Hub.Routing;

/// <summary>An accepted request on its way to, or at, a department agent.</summary>
internal sealed class RoutedTask(VerificationTask task, string department, string windowId, string officer, Receipt receipt)
{
    public VerificationTask Task { get; } = task;

    public string RequestId => Task.RequestId;

    public string ItemCode => Task.ItemCode;

    public string Department { get; } = department;

    public string WindowId { get; } = windowId;

    /// <summary>The officer as established at acceptance (certificate or declared), for the audit.</summary>
    public string Officer { get; } = officer;

    public Receipt Receipt { get; } = receipt;

    /// <summary>How many times an agent has been handed this task.</summary>
    public int Attempts { get; set; }
}
