using Microsoft.Extensions.Time.Testing;
using NoCertHub.Hub.Requests;
using NoCertHub.Hub.Routing;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Hub.Tests.Routing;

public sealed class DispatcherTests : IDisposable
{
    private readonly Dispatcher _dispatcher = new(new NoopStore(), TimeProvider.System);

    public void Dispose() => _dispatcher.Dispose();

    [Fact]
    public void Enqueue_NoAgent_WaitsAndGoesToTheFirstAgentThatConnects()
    {
        _dispatcher.Enqueue(Task("r1"));
        Assert.Equal(1, _dispatcher.QueuedCount("dept"));

        var agent = Agent("a", capacity: 4);
        _dispatcher.Register(agent);

        Assert.Equal(0, _dispatcher.QueuedCount("dept"));
        Assert.Equal(["r1"], Sent(agent));
    }

    [Fact]
    public void Enqueue_BeyondCapacity_QueuesUntilAnAnswerFreesASlot()
    {
        var agent = Agent("a", capacity: 2);
        _dispatcher.Register(agent);

        foreach (var id in new[] { "r1", "r2", "r3" })
        {
            _dispatcher.Enqueue(Task(id));
        }

        Assert.Equal(["r1", "r2"], Sent(agent));
        Assert.Equal(1, _dispatcher.QueuedCount("dept"));
        Assert.NotNull(_dispatcher.Complete(agent, "r1"));
        Assert.Equal(["r3"], Sent(agent));
    }

    [Fact]
    public void Enqueue_TwoAgents_LeastLoadedRelativeToCapacityGetsTheTask()
    {
        var small = Agent("small", capacity: 1);
        var large = Agent("large", capacity: 3);
        _dispatcher.Register(small);
        _dispatcher.Register(large);

        for (var i = 0; i < 4; i++)
        {
            _dispatcher.Enqueue(Task($"r{i}"));
        }

        Assert.Single(Sent(small));
        Assert.Equal(3, Sent(large).Count);
    }

    [Fact]
    public void Unregister_AgentWithTasks_TheyGoToAnotherAgentFirstInOriginalOrder()
    {
        var doomed = Agent("doomed", capacity: 2);
        _dispatcher.Register(doomed);
        _dispatcher.Enqueue(Task("r1"));
        _dispatcher.Enqueue(Task("r2"));
        _dispatcher.Enqueue(Task("r3"));

        var orphans = _dispatcher.Unregister(doomed);
        var heir = Agent("heir", capacity: 3);
        _dispatcher.Register(heir);

        Assert.Equal(["r1", "r2"], orphans.Select(t => t.RequestId));
        Assert.Equal(["r1", "r2", "r3"], Sent(heir));
    }

    [Fact]
    public void Enqueue_ItemTheAgentDoesNotAnswer_IsNotSentToIt()
    {
        var agent = Agent("a", capacity: 2, items: "ITEM-A");
        _dispatcher.Register(agent);

        _dispatcher.Enqueue(Task("r1", item: "ITEM-B"));

        Assert.Empty(Sent(agent));
        Assert.Equal(1, _dispatcher.QueuedCount("dept"));
    }

    [Fact]
    public void Complete_TaskNotHeldByTheAgent_ReturnsNull()
    {
        var agent = Agent("a", capacity: 1);
        _dispatcher.Register(agent);

        Assert.Null(_dispatcher.Complete(agent, "never-sent"));
    }

    [Fact]
    public void MarkAssigned_TaskStillWithItsAgentAfterTheDelay_RequestIsMarkedOnce()
    {
        var (dispatcher, store, clock) = Delayed(TimeSpan.FromMilliseconds(200));
        var agent = Agent("a", capacity: 2);
        dispatcher.Register(agent);
        dispatcher.Enqueue(Task("r1"));

        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Empty(store.Marked);
        clock.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(["r1"], store.Marked);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["r1"], store.Marked);
    }

    [Fact]
    public void MarkAssigned_AnsweredBeforeTheDelay_RequestIsNeverMarked()
    {
        var (dispatcher, store, clock) = Delayed(TimeSpan.FromMilliseconds(200));
        var agent = Agent("a", capacity: 2);
        dispatcher.Register(agent);
        dispatcher.Enqueue(Task("fast"));
        dispatcher.Enqueue(Task("slow"));

        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.NotNull(dispatcher.Complete(agent, "fast"));
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["slow"], store.Marked);
    }

    [Fact]
    public void MarkAssigned_AgentLeftAndAnotherTookTheTask_MarkedForTheNewAgentOnly()
    {
        var (dispatcher, store, clock) = Delayed(TimeSpan.FromMilliseconds(200));
        var doomed = Agent("doomed", capacity: 1);
        dispatcher.Register(doomed);
        dispatcher.Enqueue(Task("r1"));

        clock.Advance(TimeSpan.FromMilliseconds(150));
        dispatcher.Unregister(doomed);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        dispatcher.Register(Agent("heir", capacity: 1));
        clock.Advance(TimeSpan.FromMilliseconds(150));
        // The first hand-over's delay is up, but the task left that agent: nothing yet.
        Assert.Empty(store.Marked);

        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(["r1"], store.Marked);
    }

    [Fact]
    public void MarkAssigned_NoDelay_MarkedAsItIsHandedOver()
    {
        var (dispatcher, store, _) = Delayed(TimeSpan.Zero);
        dispatcher.Register(Agent("a", capacity: 1));

        dispatcher.Enqueue(Task("r1"));

        Assert.Equal(["r1"], store.Marked);
    }

    private static (Dispatcher Dispatcher, NoopStore Store, FakeTimeProvider Clock) Delayed(TimeSpan delay)
    {
        var store = new NoopStore();
        var clock = new FakeTimeProvider();
        return (new Dispatcher(store, clock, delay), store, clock);
    }

    private static AgentSession Agent(string id, int capacity, string items = "ITEM-A") => new(id, "dept", items.Split(','), capacity);

    private static RoutedTask Task(string id, string item = "ITEM-A") =>
        new(new VerificationTask { RequestId = id, ItemCode = item }, "dept", "w/1", "officer", new Receipt { RequestId = id });

    private static List<string> Sent(AgentSession agent)
    {
        var sent = new List<string>();
        while (agent.Outbound.Reader.TryRead(out var message))
        {
            sent.Add(message.Task.RequestId);
        }

        return sent;
    }

    private sealed class NoopStore : IRequestStore
    {
        public Task<string> AcceptAsync(AcceptedRequest request, string? clientRequestId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task FlushAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public List<string> Marked { get; } = [];

        public void MarkAssigned(string requestId) => Marked.Add(requestId);

        public Task<CompletionOutcome> CompleteAsync(string windowId, VerificationResult result, AcceptedRequest? unrecorded, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<StoredRequest?> GetAsync(string requestId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<WindowPage> ReadWindowAsync(string windowId, long afterSequence, int max, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<(string RequestId, string Owner)>> FindUnansweredOfAsync(IReadOnlySet<string> owners, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AdoptedRequest?> AdoptAsync(string requestId, string previousOwner, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
