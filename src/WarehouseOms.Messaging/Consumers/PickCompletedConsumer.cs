using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>wms.pick-completed</c> → signal PickCompleted (the workflow de-duplicates by message ID).</summary>
public sealed class PickCompletedConsumer(IOrderWorkflows gateway, ILogger<PickCompletedConsumer> logger)
    : FulfillmentSignalConsumer<PickCompleted>(gateway, logger)
{
    protected override string Exchange => Exchanges.PickCompleted;

    private protected override (string OrderId, Func<string, FulfillmentSignal> Signal) Read(PickCompleted message, MessageChecks checks)
    {
        var orderId = checks.Required(message.OrderId, "orderId");
        var deviceId = checks.Required(message.DeviceId, "deviceId");
        var lines = checks.NonEmpty(message.Lines, "lines")
            .Select((line, i) => new LineItem(checks.Required(line.Sku, $"lines[{i}].sku"), checks.Positive(line.Quantity, $"lines[{i}].quantity")))
            .ToList();
        return (orderId, messageId => wf => wf.PickCompletedAsync(new PickCompletedSignal(messageId, deviceId, lines)));
    }
}
