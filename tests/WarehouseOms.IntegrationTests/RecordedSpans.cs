using System.Collections;
using System.Diagnostics;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// The span store behind the in-memory exporter: thread-safe (spans end on many threads while a test
/// reads), and it keeps spans only while <see cref="Recording"/>, so the other tests' traffic is not hoarded.
/// </summary>
public sealed class RecordedSpans : ICollection<Activity>
{
    private readonly Lock gate = new();
    private readonly List<Activity> spans = [];

    public bool Recording { get; set; }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public void Add(Activity item)
    {
        if (!Recording)
        {
            return;
        }

        lock (gate)
        {
            spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            spans.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (gate)
        {
            return spans.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (gate)
        {
            spans.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (gate)
        {
            return spans.Remove(item);
        }
    }

    /// <summary>A snapshot: safe to enumerate while spans keep arriving.</summary>
    public IEnumerator<Activity> GetEnumerator()
    {
        lock (gate)
        {
            return spans.ToList().GetEnumerator();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
