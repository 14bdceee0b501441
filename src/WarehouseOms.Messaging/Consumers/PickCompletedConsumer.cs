using MassTransit;
using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>wms.pick-completed</c> → signal PickCompleted (the workflow de-duplicates by message ID).</summary>
public sealed class PickCompletedConsumer(IWorkflowGateway gateway, ILogger<PickCompletedConsumer> logger) : IConsumer<PickCompleted>
{
    public Task Consume(ConsumeContext<PickCompleted> context)
    {
        var message = context.Message;
        var checks = new MessageChecks(Exchanges.PickCompleted);
        var orderId = checks.Required(message.OrderId, "orderId");
        var deviceId = checks.Required(message.DeviceId, "deviceId");
        var lines = checks.NonEmpty(message.Lines, "lines")
            .Select((line, i) => new LineItem(checks.Required(line.Sku, $"lines[{i}].sku"), checks.Positive(line.Quantity, $"lines[{i}].quantity")))
            .ToList();
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        var signal = new PickCompletedSignal(messageId, deviceId, lines);
        return FulfillmentSignalSender.SendAsync(gateway, logger, orderId, messageId, SignalNames.PickCompleted, signal, context.CancellationToken);
    }
}
