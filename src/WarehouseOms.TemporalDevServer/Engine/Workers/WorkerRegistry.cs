using Temporalio.Api.Enums.V1;
using Temporalio.Api.Worker.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Workers;

/// <summary>
/// The workers' last heartbeats, as Temporal's matching service keeps them: in memory only, one per namespace and
/// worker instance key, replaced whole by each new one; a SHUTDOWN heartbeat removes its worker; a worker not heard
/// from for the TTL (5 min) goes, and past the capacity the longest silent go first (never one heard from within
/// the last minute). Its own lock: heartbeats never wait for the engine's.
/// </summary>
internal sealed class WorkerRegistry(TimeSpan ttl, int capacity)
{
    private static readonly TimeSpan MinEvictAge = TimeSpan.FromMinutes(1);
    private const string SystemTaskQueuePrefix = "temporal-sys-";

    private readonly Lock sync = new();
    private readonly Dictionary<(string Namespace, string Key), Entry> workers = [];

    public int Count
    {
        get
        {
            lock (sync)
            {
                return workers.Count;
            }
        }
    }

    public void Record(string ns, IEnumerable<WorkerHeartbeat> heartbeats, DateTime now)
    {
        lock (sync)
        {
            foreach (var heartbeat in heartbeats)
            {
                var key = (ns, heartbeat.WorkerInstanceKey);
                if (heartbeat.Status == WorkerStatus.Shutdown)
                {
                    workers.Remove(key);
                }
                else
                {
                    workers[key] = new Entry(heartbeat.Clone(), now, heartbeat.TaskQueue.StartsWith(SystemTaskQueuePrefix, StringComparison.Ordinal));
                }
            }
        }
    }

    /// <summary>The namespace's workers (system workers only if asked for), in worker instance key order.</summary>
    public List<WorkerHeartbeat> Of(string ns, bool includeSystem)
    {
        lock (sync)
        {
            return workers.Where(w => w.Key.Namespace == ns && (includeSystem || !w.Value.IsSystem))
                .OrderBy(w => w.Key.Key, StringComparer.Ordinal).Select(w => w.Value.Heartbeat).ToList();
        }
    }

    public WorkerHeartbeat? Find(string ns, string key)
    {
        lock (sync)
        {
            return workers.TryGetValue((ns, key), out var entry) ? entry.Heartbeat : null;
        }
    }

    /// <summary>Drops the workers silent for the TTL, then the longest silent while over capacity. Returns how many went.</summary>
    public int Evict(DateTime now)
    {
        lock (sync)
        {
            var gone = workers.Where(w => now - w.Value.LastSeen > ttl).Select(w => w.Key).ToList();
            var over = workers.Count - gone.Count - capacity;
            if (over > 0)
            {
                gone.AddRange(workers.Where(w => now - w.Value.LastSeen <= ttl && now - w.Value.LastSeen > MinEvictAge)
                    .OrderBy(w => w.Value.LastSeen).Take(over).Select(w => w.Key));
            }

            foreach (var key in gone)
            {
                workers.Remove(key);
            }

            return gone.Count;
        }
    }

    public void Forget(string ns)
    {
        lock (sync)
        {
            foreach (var key in workers.Keys.Where(k => k.Namespace == ns).ToList())
            {
                workers.Remove(key);
            }
        }
    }

    private sealed record Entry(WorkerHeartbeat Heartbeat, DateTime LastSeen, bool IsSystem);
}
