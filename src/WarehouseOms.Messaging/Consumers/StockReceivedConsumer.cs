using MassTransit;
using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows.Replenishment;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// <c>ims.stock-received</c> → record the receipt (idempotent by receiptId), then tell the SKU's running
/// replenishment, if any. A rejected receipt (e.g. an unknown SKU) is permanent and goes to the error queue.
/// </summary>
public sealed class StockReceivedConsumer(
    IStockReceiptService receipts,
    IReplenishmentWorkflows replenishments,
    ILogger<StockReceivedConsumer> logger) : IConsumer<StockReceived>
{
    public async Task Consume(ConsumeContext<StockReceived> context)
    {
        var message = context.Message;
        var checks = new MessageChecks(Exchanges.StockReceived);
        var receiptId = checks.Required(message.ReceiptId, "receiptId");
        var sku = checks.Required(message.Sku, "sku");
        var quantity = checks.Positive(message.Quantity, "quantity");
        checks.ThrowIfInvalid();

        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["MessageId"] = MessageIds.For(context),
            ["ReceiptId"] = receiptId,
            ["Sku"] = sku,
        });

        var recorded = await receipts.RecordAsync(receiptId, sku, quantity, context.CancellationToken).ConfigureAwait(false);
        if (recorded)
        {
            logger.LogInformation("Stock receipt {ReceiptId}: {Quantity} x {Sku} recorded", receiptId, quantity, sku);
        }
        else
        {
            logger.LogInformation("Stock receipt {ReceiptId} was already recorded; duplicate acknowledged", receiptId);
        }

        // Also on a duplicate: a crash between recording and signalling must still reach the workflow,
        // which ignores a receipt it has seen. No replenishment running for the SKU is the normal case.
        await replenishments.SignalStockReceivedAsync(
            new StockReceivedSignal(MessageIds.For(context), receiptId, sku, quantity), context.CancellationToken).ConfigureAwait(false);
    }
}
