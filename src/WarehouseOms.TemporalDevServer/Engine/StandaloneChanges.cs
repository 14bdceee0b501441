namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// What every standalone run (activity, Nexus operation) keeps about its changes, live only: a waiter for the next
/// one (the outcome poll and describe's long poll), and the size of its stored record, measured once per change or
/// taken from the last store write (describe and list report it).
/// </summary>
internal sealed class StandaloneChanges
{
    private TaskCompletionSource? next;
    private int? stateSize;

    /// <summary>Completes at the next change.</summary>
    public Task Next => (next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public int StateSize(Func<byte[]> serialize) => stateSize ??= serialize().Length;

    /// <summary>The record was just serialized: its size is known.</summary>
    public void Serialized(int size) => stateSize = size;

    public void Notify()
    {
        stateSize = null;
        next?.TrySetResult();
        next = null;
    }
}
