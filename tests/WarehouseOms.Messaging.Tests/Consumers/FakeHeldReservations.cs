using System.Collections.Concurrent;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence.Inventory;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>Reservations per order as a test sets them; none for an order it did not set.</summary>
public sealed class FakeHeldReservations : IHeldReservations
{
    public ConcurrentDictionary<string, IReadOnlyList<SkuQuantity>> Held { get; } = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<SkuQuantity>> ReservedAsync(string orderId, CancellationToken cancellationToken) =>
        Task.FromResult(Held.TryGetValue(orderId, out var held) ? held : []);
}
