using MassTransit;
using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>wms.pack-completed</c> → signal PackCompleted.</summary>
public sealed class PackCompletedConsumer(IWorkflowGateway gateway, ILogger<PackCompletedConsumer> logger) : IConsumer<PackCompleted>
{
    public Task Consume(ConsumeContext<PackCompleted> context)
    {
        var message = context.Message;
        var checks = new MessageChecks(Exchanges.PackCompleted);
        var orderId = checks.Required(message.OrderId, "orderId");
        var deviceId = checks.Required(message.DeviceId, "deviceId");
        var packages = checks.NonEmpty(message.Packages, "packages")
            .Select((p, i) => new Package(checks.Required(p.PackageId, $"packages[{i}].packageId"), checks.Positive(p.WeightKg, $"packages[{i}].weightKg")))
            .ToList();
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        var signal = new PackCompletedSignal(messageId, deviceId, packages);
        return FulfillmentSignalSender.SendAsync(gateway, logger, orderId, messageId, SignalNames.PackCompleted, signal, context.CancellationToken);
    }
}
