using System.Collections.Concurrent;
using NoCertHub.Hub.Requests;
using NoCertHub.V1;

namespace NoCertHub.Hub.Routing;

/// <summary>
/// Routes tasks to the connected agents of each department: the least-loaded agent that answers
/// the item gets it, never beyond its declared capacity; with no agent free the task waits in
/// its item's queue, and is handed over the moment capacity frees or an agent connects. An
/// agent that leaves gives its unanswered tasks back, to the front of the queue.
/// A task still with its agent <c>markAssignedAfter</c> after it was handed over has its request
/// marked assigned in the store; one answered sooner never needs that write.
/// </summary>
internal sealed class Dispatcher : IDisposable
{
    private readonly ConcurrentDictionary<string, DepartmentRoute> _departments = new(StringComparer.Ordinal);
    private readonly IRequestStore _store;
    private readonly TimeProvider _time;
    private readonly long _markAfterTicks;
    private readonly ConcurrentQueue<AssignMark> _marks = new();
    private readonly Lock _marking = new();
    private readonly ITimer? _markTimer;

    public Dispatcher(IRequestStore store, TimeProvider time, TimeSpan markAssignedAfter = default)
    {
        _store = store;
        _time = time;
        _markAfterTicks = (long)(markAssignedAfter.TotalSeconds * time.TimestampFrequency);
        if (markAssignedAfter > TimeSpan.Zero)
        {
            // Ticks at the delay: a task is marked between one and two delays after it was handed over.
            _markTimer = time.CreateTimer(_ => MarkDue(), null, markAssignedAfter, markAssignedAfter);
        }
    }

    /// <summary>Told each time an agent is handed a task (the queueing hop's end).</summary>
    public event Action<RoutedTask>? HandedToAgent;

    /// <summary>Told when a task waits for an item no agent connected to this hub answers: another hub's agents may.</summary>
    public event Action? Unserved;

    /// <summary>Told when an agent connects or leaves: the items this hub's agents answer may have changed.</summary>
    public event Action? AgentsChanged;

    public void Enqueue(RoutedTask task)
    {
        task.QueuedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var route = Route(task.Department);
        bool unserved;
        lock (route)
        {
            if (TryAssign(route, task))
            {
                return;
            }

            route.Queue(task.ItemCode).AddLast(task);
            unserved = !Serves(route, task.ItemCode);
        }

        if (unserved)
        {
            Unserved?.Invoke();
        }
    }

    public void Register(AgentSession session)
    {
        var route = Route(session.Department);
        lock (route)
        {
            route.Agents.Add(session);
            Fill(route, session);
        }

        AgentsChanged?.Invoke();
    }

    /// <summary>Each department and item an agent connected to this hub answers now.</summary>
    public IReadOnlyList<(string Department, string ItemCode)> ServedItems()
    {
        var served = new List<(string, string)>();
        foreach (var (department, route) in _departments)
        {
            lock (route)
            {
                served.AddRange(route.Agents.SelectMany(a => a.ItemCodes).Distinct(StringComparer.Ordinal).Select(item => (department, item)));
            }
        }

        return served;
    }

    /// <summary>
    /// Takes out of the queues every task waiting for an item that no agent here answers and
    /// <paramref name="servedElsewhere"/> says another hub's agents do: the caller hands them over.
    /// </summary>
    public IReadOnlyList<RoutedTask> TakeUnserved(Func<string, string, bool> servedElsewhere)
    {
        var taken = new List<RoutedTask>();
        foreach (var (department, route) in _departments)
        {
            lock (route)
            {
                foreach (var (item, queue) in route.Queues)
                {
                    if (queue.Count > 0 && !Serves(route, item) && servedElsewhere(department, item))
                    {
                        taken.AddRange(queue);
                        queue.Clear();
                    }
                }
            }
        }

        return taken;
    }

    /// <summary>The task the agent holds under that id, or null.</summary>
    public RoutedTask? Find(AgentSession session, string requestId)
    {
        var route = Route(session.Department);
        lock (route)
        {
            return session.InFlight.GetValueOrDefault(requestId);
        }
    }

    /// <summary>Takes an answered task off the agent; null if the agent does not hold it.</summary>
    public RoutedTask? Complete(AgentSession session, string requestId)
    {
        var route = Route(session.Department);
        lock (route)
        {
            if (!session.InFlight.Remove(requestId, out var task))
            {
                return null;
            }

            task.WithAgent = false;
            Fill(route, session);
            return task;
        }
    }

    /// <summary>Removes the agent; its unanswered tasks go to other agents or back to the front of the queue.</summary>
    public IReadOnlyList<RoutedTask> Unregister(AgentSession session)
    {
        var orphans = Release(session);
        AgentsChanged?.Invoke();
        if (orphans.Count > 0)
        {
            Unserved?.Invoke();
        }

        return orphans;
    }

    private List<RoutedTask> Release(AgentSession session)
    {
        var route = Route(session.Department);
        lock (route)
        {
            route.Agents.Remove(session);
            var orphans = session.InFlight.Values.ToList();
            session.InFlight.Clear();
            orphans.ForEach(t => t.WithAgent = false);
            // Reverse, so that AddFirst keeps their original order at the head of the queue.
            for (var i = orphans.Count - 1; i >= 0; i--)
            {
                if (!TryAssign(route, orphans[i]))
                {
                    route.Queue(orphans[i].ItemCode).AddFirst(orphans[i]);
                }
            }

            return orphans;
        }
    }

    /// <summary>Puts a task back after <paramref name="delay"/>, e.g. when its answer could not be recorded.</summary>
    public void RequeueLater(RoutedTask task, TimeSpan delay)
    {
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            timer?.Dispose();
            Enqueue(task);
        }, null, delay, Timeout.InfiniteTimeSpan);
    }

    public int QueuedCount(string department)
    {
        var route = Route(department);
        lock (route)
        {
            return route.Queues.Values.Sum(q => q.Count);
        }
    }

    /// <summary>The agents of the department connected to this hub now.</summary>
    public IReadOnlyList<AgentSession> AgentsOf(string department)
    {
        var route = Route(department);
        lock (route)
        {
            return [.. route.Agents];
        }
    }

    /// <summary>Each department's queued and in-flight work and its agents, for the metrics.</summary>
    public IReadOnlyList<DepartmentLoad> Snapshot()
    {
        var loads = new List<DepartmentLoad>();
        foreach (var (department, route) in _departments)
        {
            lock (route)
            {
                var tasks = route.Queues.Values.SelectMany(q => q).Concat(route.Agents.SelectMany(a => a.InFlight.Values)).ToList();
                loads.Add(new DepartmentLoad(
                    department,
                    tasks.GroupBy(t => t.Receipt.SlaClass).ToDictionary(g => g.Key, g => g.Count()),
                    tasks.Select(t => t.Receipt.Deadline.ToDateTimeOffset()).ToList(),
                    route.Agents.Count,
                    route.Agents.Sum(a => a.InFlight.Count),
                    route.Agents.Sum(a => a.Capacity)));
            }
        }

        return loads;
    }

    private static bool Serves(DepartmentRoute route, string itemCode)
    {
        foreach (var agent in route.Agents)
        {
            if (agent.Answers(itemCode))
            {
                return true;
            }
        }

        return false;
    }

    private DepartmentRoute Route(string department) => _departments.GetOrAdd(department, static _ => new DepartmentRoute());

    private bool TryAssign(DepartmentRoute route, RoutedTask task)
    {
        AgentSession? best = null;
        var count = route.Agents.Count;
        // Start at a rotating index so equally loaded agents take turns.
        var start = count == 0 ? 0 : route.NextAgent++ % count;
        for (var n = 0; n < count; n++)
        {
            var agent = route.Agents[(start + n) % count];
            if (agent.Free > 0 && agent.Answers(task.ItemCode)
                && (best is null || agent.InFlight.Count * best.Capacity < best.InFlight.Count * agent.Capacity))
            {
                best = agent;
            }
        }

        if (best is null)
        {
            return false;
        }

        Assign(best, task);
        return true;
    }

    private void Fill(DepartmentRoute route, AgentSession session)
    {
        var items = session.ItemCodes;
        var emptyInARow = 0;
        while (session.Free > 0 && emptyInARow < items.Count)
        {
            var item = items[session.NextItem++ % items.Count];
            if (route.Queues.TryGetValue(item, out var queue) && queue.First is { } first)
            {
                queue.RemoveFirst();
                Assign(session, first.Value);
                emptyInARow = 0;
            }
            else
            {
                emptyInARow++;
            }
        }
    }

    private void Assign(AgentSession session, RoutedTask task)
    {
        session.InFlight[task.RequestId] = task;
        task.Attempts++;
        task.AssignedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        task.WithAgent = true;
        HandedToAgent?.Invoke(task);
        session.Outbound.Writer.TryWrite(new HubMessage { Task = task.Task });
        if (_markTimer is null)
        {
            _store.MarkAssigned(task.RequestId);
        }
        else
        {
            _marks.Enqueue(new AssignMark(task, task.Attempts, _time.GetTimestamp() + _markAfterTicks));
        }
    }

    /// <summary>Marks the requests whose tasks are still with the agent they were handed to when their delay is up.</summary>
    private void MarkDue()
    {
        lock (_marking)
        {
            var now = _time.GetTimestamp();
            while (_marks.TryPeek(out var mark) && mark.Due <= now)
            {
                _marks.TryDequeue(out _);
                // Read without the route's lock: at worst a task answered this instant is marked,
                // and the store leaves an answered request answered.
                if (mark.Task.WithAgent && mark.Task.Attempts == mark.Attempt)
                {
                    _store.MarkAssigned(mark.Task.RequestId);
                }
            }
        }
    }

    public void Dispose() => _markTimer?.Dispose();

    private readonly record struct AssignMark(RoutedTask Task, int Attempt, long Due);

    private sealed class DepartmentRoute
    {
        public List<AgentSession> Agents { get; } = [];

        public Dictionary<string, LinkedList<RoutedTask>> Queues { get; } = new(StringComparer.Ordinal);

        public int NextAgent { get; set; }

        public LinkedList<RoutedTask> Queue(string itemCode)
        {
            if (!Queues.TryGetValue(itemCode, out var queue))
            {
                queue = new LinkedList<RoutedTask>();
                Queues[itemCode] = queue;
            }

            return queue;
        }
    }
}
