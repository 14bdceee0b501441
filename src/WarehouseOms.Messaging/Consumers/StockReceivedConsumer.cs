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
        var messageId = MessageIds.For(context);

        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["MessageId"] = LogText.Escape(messageId),
            ["ReceiptId"] = LogText.Escape(receiptId),
            ["Sku"] = LogText.Escape(sku),
        });

        var recorded = await receipts.RecordAsync(receiptId, sku, quantity, context.CancellationToken).ConfigureAwait(false);
        if (recorded)
        {
            logger.LogInformation("Stock receipt {ReceiptId}: {Quantity} x {Sku} recorded", LogText.Escape(receiptId), quantity, LogText.Escape(sku));
        }
        else
        {
            logger.LogInformation("Stock receipt {ReceiptId} was already recorded; duplicate acknowledged", LogText.Escape(receiptId));
        }

        // Also on a duplicate: a crash between recording and signalling must still reach the workflow,
        // which ignores a receipt it has seen. No replenishment running for the SKU is the normal case.
        await replenishments.SignalStockReceivedAsync(
            new StockReceivedSignal(messageId, receiptId, sku, quantity), context.CancellationToken).ConfigureAwait(false);
    }
}
