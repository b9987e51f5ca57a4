namespace NoCertHub.Hub.Core;

internal sealed class HubOptions
{
    public const string Section = "Hub";

    /// <summary>Names this hub in audit records and to agents; unique among hubs sharing one Redis.</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>How long an agent may take to send its hello before the hub hangs up.</summary>
    public TimeSpan AgentHelloTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest a Verify call waits for its answer, whatever deadline the caller set (or none):
    /// a waiting call holds a stream and a waiter. After it the call ends with DeadlineExceeded and
    /// the request stays tracked; its result arrives on Watch and Get.
    /// </summary>
    public TimeSpan MaxVerifyWait { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How far the time in an answer's seal may be from the hub's clock (either way) before the
    /// answer is refused: a seal from a wrong clock would misdate the answer for good.
    /// </summary>
    public TimeSpan SealClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The largest request message the hub reads (bytes); a larger one is refused with
    /// ResourceExhausted before it is parsed. A verification request is well under 4 KB.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>Most tasks one agent may declare it takes at once.</summary>
    public int MaxAgentCapacity { get; set; } = 10_000;

    /// <summary>Wait before re-routing a task whose answer could not be recorded, or that an agent released.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a task is with its agent before its request is marked assigned in Redis (what Get
    /// and the pending list show). Most answers come sooner and their request goes from queued to
    /// answered without that write; zero marks at once.
    /// </summary>
    public TimeSpan MarkAssignedAfter { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a Verify's acceptance may wait before it is written to Redis with its Article 11
    /// deadline timer. Most answers come sooner: the request is then recorded together with its
    /// answer, in one write. A Verify hands out no receipt, so nothing promised waits on this
    /// write; one with a client_request_id is recorded at once (its retry must find it). Zero
    /// records every request at acceptance.
    /// </summary>
    public TimeSpan VerifyRecordAfter { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a hub's lease lives without renewal (renewed every third of it). Once it lapses,
    /// other hubs take over the requests the hub was routing.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(15);
}
