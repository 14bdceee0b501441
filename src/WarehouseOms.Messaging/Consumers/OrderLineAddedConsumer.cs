using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>oms.order-line-added</c> → signal add-line-item (reserved by the workflow while it awaits payment).</summary>
public sealed class OrderLineAddedConsumer(IOrderWorkflows gateway, ILogger<OrderLineAddedConsumer> logger)
    : FulfillmentSignalConsumer<OrderLineAdded>(gateway, logger)
{
    protected override string Exchange => Exchanges.OrderLineAdded;

    private protected override (string OrderId, Func<string, FulfillmentSignal> Signal) Read(OrderLineAdded message, MessageChecks checks)
    {
        var orderId = checks.Required(message.OrderId, "orderId");
        var sku = checks.Required(message.Sku, "sku");
        var quantity = checks.Positive(message.Quantity, "quantity");
        var unitPrice = message.UnitPrice;
        if (unitPrice < 0)
        {
            checks.Add($"unitPrice: must not be negative, got {unitPrice}.");
        }

        // Whether the price fits the order (its currency's minor units, priced or not) is the workflow's to say: it knows the order.
        return (orderId, messageId => wf => wf.AddLineItemAsync(new AddLineItemSignal(messageId, sku, quantity, unitPrice)));
    }
}
