using WarehouseOms.Testing;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>A scratch PostgreSQL database per test, dropped afterwards.</summary>
public sealed class DurableStore : IAsyncDisposable
{
    private readonly ScratchDatabase database = new("temporal_store");

    public string ConnectionString => database.ConnectionString;

    public static async Task<DurableStore> CreateAsync()
    {
        var store = new DurableStore();
        await store.database.CreateAsync();
        return store;
    }

    public async ValueTask DisposeAsync() => await database.DropAsync();
}
