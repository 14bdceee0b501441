namespace WarehouseOms.TemporalDevServer;

/// <summary>
/// Another engine already serves this store (it holds the store's lock): a second one must never write
/// to it. <see cref="Address"/> is where that engine said it can be reached (null while it is starting).
/// </summary>
public sealed class EmbeddedEngineOwnedElsewhereException(string owner, string? address)
    : Exception($"The embedded Temporal store is already served by another engine ({owner}){(address is null ? string.Empty : $" at {address}")}.")
{
    /// <summary>Who holds the store: instance name, host, process ID and start time.</summary>
    public string Owner { get; } = owner;

    public string? Address { get; } = address;
}
