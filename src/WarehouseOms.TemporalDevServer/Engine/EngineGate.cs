namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// The engine's one lock. It also numbers transactions as Temporal counts its mutable-state transactions
/// (StateTransitionCount): each entry from outside (one RPC step) is one, and so is each timer the clock fires.
/// </summary>
internal sealed class EngineGate
{
    private readonly object monitor = new();
    private int depth;

    /// <summary>The transaction now holding the lock (only meaningful while it is held).</summary>
    public long Transaction { get; private set; }

    public Scope Enter()
    {
        Monitor.Enter(monitor);
        if (depth++ == 0)
        {
            Transaction++;
        }

        return new Scope(this);
    }

    /// <summary>What runs next under the held lock is a transaction of its own (the clock's timers, one by one).</summary>
    public void NextTransaction() => Transaction++;

    /// <summary>A ref struct, so that the compiler refuses an await inside the scope, as it does inside a lock statement.</summary>
    public readonly ref struct Scope(EngineGate gate)
    {
        public void Dispose()
        {
            gate.depth--;
            Monitor.Exit(gate.monitor);
        }
    }
}
