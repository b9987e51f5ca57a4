using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Redis;
using NoCertHub.Hub.Requests;
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

    /// <summary>The case's applicant as declared (the subject when none was).</summary>
    public Subject Applicant { get; private init; } = task.Subject;

    /// <summary>Who the subject is to the case, for the audit: <see cref="SubjectRoles"/>.</summary>
    public string SubjectRole { get; private init; } = SubjectRoles.Applicant;

    /// <summary>When it last joined a queue (Stopwatch timestamp), for the queueing hop's metric.</summary>
    public long QueuedAt { get; set; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>When an agent was last handed it (Stopwatch timestamp; 0 before), for the agent hop's metric.</summary>
    public long AssignedAt { get; set; }

    /// <summary>How many times an agent has been handed this task.</summary>
    public int Attempts { get; set; }

    /// <summary>Whether an agent holds it now (set and cleared under its department's lock).</summary>
    public bool WithAgent { get; set; }

    /// <summary>Its acceptance, while that may not be written yet (a Verify within Hub:VerifyRecordAfter); null once it is, or for a request recorded at acceptance.</summary>
    public PendingAcceptance? Pending { get; set; }

    /// <summary>
    /// The task for an accepted request, as the owning department's agent sees it: the claims,
    /// the case and purpose, the officer on record, and what the catalog lets it disclose.
    /// </summary>
    public static RoutedTask For(VerificationRequest request, Receipt receipt, string officer, IEnumerable<string> disclosableFields)
    {
        var task = new VerificationTask
        {
            RequestId = receipt.RequestId,
            ItemCode = receipt.ItemCode,
            Subject = request.Subject,
            CaseNumber = request.CaseNumber,
            Purpose = request.Purpose,
            Requester = new Requester { Department = request.Requester.Department, Window = request.Requester.Window, Officer = officer },
            AuthorizationRef = request.AuthorizationRef,
            Deadline = receipt.Deadline,
        };
        task.Claims.Add(request.Claims);
        task.DisclosableFields.Add(disclosableFields.Order(StringComparer.Ordinal));
        var windowId = RedisKeys.WindowId(request.Requester.Department, request.Requester.Window);
        var applicant = request.Applicant ?? request.Subject;
        return new RoutedTask(task, receipt.OwningDepartment, windowId, officer, receipt)
        {
            Applicant = applicant,
            SubjectRole = SubjectRoles.Of(request.Subject, applicant, request.RelatedParties),
        };
    }

    /// <summary>The task again for a request this hub took over from another (adopted or handed over), its disclosable fields from today's catalog.</summary>
    public static RoutedTask For(AdoptedRequest request, ICatalog catalog)
    {
        var fields = catalog.Find(request.Receipt.ItemCode)?.DisclosableFields ?? (IEnumerable<string>)[];
        var officer = request.Officer.Length > 0 ? request.Officer : request.Request.Requester.Officer;
        return For(request.Request, request.Receipt, officer, fields);
    }
}
