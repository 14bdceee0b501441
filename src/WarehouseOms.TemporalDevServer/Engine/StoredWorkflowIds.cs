namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// A Bloom filter over the (namespace, workflow ID) pairs the durable store may hold a run of (ADR 0065). "No" is
/// certain, so a call naming a workflow ID the store never held is answered without reading the store; "maybe"
/// (about 1 % of unknown IDs while within capacity) costs the read it would have cost anyway. It never forgets:
/// runs deleted by retention stay "maybe" until the engine builds a new filter from the store.
/// </summary>
/// <remarks>
/// Adds are thread-safe (bits set with <see cref="Interlocked.Or(ref long, long)"/>), so a rebuild's scan of the store can
/// add outside the engine's lock while the engine adds new runs under it.
/// </remarks>
internal sealed class StoredWorkflowIds
{
    public const int DefaultMinimumCapacity = 1 << 16;

    // 10 bits and 7 probes per entry: about 0.8 % false "maybe" at capacity.
    private const int BitsPerEntry = 10;
    private const int Probes = 7;

    private readonly long[] words;
    private readonly ulong bitCount;
    private long added;

    /// <param name="expected">How many pairs the store holds now; the filter takes twice as many before it is full.</param>
    /// <param name="minimumCapacity">The least it takes (<see cref="DefaultMinimumCapacity"/> unless lowered for tests).</param>
    public StoredWorkflowIds(long expected, int minimumCapacity)
    {
        Capacity = Math.Max(Math.Max(1, minimumCapacity), expected * 2);
        words = new long[(Capacity * BitsPerEntry + 63) / 64];
        bitCount = (ulong)words.Length * 64;
    }

    /// <summary>Pairs it takes before false "maybe"s pass the target rate (then it should be rebuilt).</summary>
    public long Capacity { get; }

    /// <summary>Pairs added that set at least one new bit (about the number of distinct pairs).</summary>
    public long Added => Interlocked.Read(ref added);

    public bool IsFull => Added > Capacity;

    public void Add(string ns, string workflowId)
    {
        var (first, step) = Hashes(ns, workflowId);
        var novel = false;
        for (var i = 0UL; i < Probes; i++)
        {
            var bit = (first + (i * step)) % bitCount;
            var mask = 1L << (int)(bit & 63);
            novel |= (Interlocked.Or(ref words[bit >> 6], mask) & mask) == 0;
        }

        if (novel)
        {
            Interlocked.Increment(ref added);
        }
    }

    public bool MightContain(string ns, string workflowId)
    {
        var (first, step) = Hashes(ns, workflowId);
        for (var i = 0UL; i < Probes; i++)
        {
            var bit = (first + (i * step)) % bitCount;
            if ((Volatile.Read(ref words[bit >> 6]) & (1L << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    // Two independent hashes (the per-process randomised string hash, seeded differently) for double hashing; the
    // step is odd so that the probes differ.
    private static (ulong First, ulong Step) Hashes(string ns, string workflowId) =>
        ((uint)HashCode.Combine(ns, workflowId), ((ulong)(uint)HashCode.Combine(workflowId, ns, 0x5bd1e995) << 1) | 1);
}
