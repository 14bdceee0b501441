using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>wms.pick-completed</c> → signal PickCompleted (the workflow de-duplicates by message ID).</summary>
public sealed class PickCompletedConsumer(IWorkflowGateway gateway, ILogger<PickCompletedConsumer> logger)
    : FulfillmentSignalConsumer<PickCompleted>(gateway, logger)
{
    protected override string Exchange => Exchanges.PickCompleted;

    protected override string SignalName => SignalNames.PickCompleted;

    private protected override (string OrderId, Func<string, object> Signal) Read(PickCompleted message, MessageChecks checks)
    {
        var orderId = checks.Required(message.OrderId, "orderId");
        var deviceId = checks.Required(message.DeviceId, "deviceId");
        var lines = checks.NonEmpty(message.Lines, "lines")
            .Select((line, i) => new LineItem(checks.Required(line.Sku, $"lines[{i}].sku"), checks.Positive(line.Quantity, $"lines[{i}].quantity")))
            .ToList();
        return (orderId, messageId => new PickCompletedSignal(messageId, deviceId, lines));
    }
}
