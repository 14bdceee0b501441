namespace WarehouseOms.TemporalDevServer;

/// <summary>Settings of an embedded dev server.</summary>
public sealed record TemporalDevServerOptions
{
    /// <summary>TCP port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Address to bind; loopback by default (it has no authentication).</summary>
    public string Ip { get; init; } = "127.0.0.1";

    /// <summary>The namespace that exists from the start (any other is accepted on first use too).</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>
    /// When true, virtual time jumps to the next timer whenever no workflow or activity task is
    /// outstanding, so hours-long timers complete in milliseconds.
    /// </summary>
    public bool TimeSkipping { get; init; }

    /// <summary>
    /// Time skipping starts locked (as Temporal's test server does): the client unlocks it through the
    /// test service. Only meaningful with <see cref="TimeSkipping"/>.
    /// </summary>
    public bool StartLocked { get; init; }

    /// <summary>Where workflow state lives: in memory (default) or durably in PostgreSQL.</summary>
    public TemporalDevServerStorage Storage { get; init; } = TemporalDevServerStorage.InMemory;

    /// <summary>How long closed runs stay readable (history, describe, list, queries) before a sweep deletes them.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Who this engine is, as other instances see it in the store (default: host name and process ID).</summary>
    public string? InstanceName { get; init; }

    /// <summary>Serve temporal.api.testservice.v1.TestService (the time-skipping test server's API).</summary>
    public bool ServeTestService { get; init; }
}
