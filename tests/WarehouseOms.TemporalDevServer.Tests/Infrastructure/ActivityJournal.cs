using System.Collections.Concurrent;

namespace WarehouseOms.TemporalDevServer.Tests.Infrastructure;

/// <summary>
/// What activities observed, keyed by workflow ID so parallel tests never see each other's entries.
/// Activities run in the test process, so a static journal is the simplest honest witness.
/// </summary>
public static class ActivityJournal
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Entries = new();

    public static void Record(string workflowId, string entry) =>
        Entries.GetOrAdd(workflowId, _ => new ConcurrentQueue<string>()).Enqueue(entry);

    public static IReadOnlyList<string> For(string workflowId) =>
        Entries.TryGetValue(workflowId, out var queue) ? queue.ToArray() : [];
}
