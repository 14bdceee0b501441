using System.Collections.Concurrent;
using WarehouseOms.Persistence.Inventory;

namespace WarehouseOms.Messaging.Tests.Consumers;

public sealed class FakeStockReceiptService : IStockReceiptService
{
    public ConcurrentQueue<(string ReceiptId, string Sku, int Quantity)> Calls { get; } = new();

    public Func<string, bool> OnRecord { get; set; } = _ => true;

    public Task<bool> RecordAsync(string receiptId, string sku, int quantity, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue((receiptId, sku, quantity));
        return Task.FromResult(OnRecord(receiptId));
    }
}
