using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>wms.pack-completed</c> → signal PackCompleted.</summary>
public sealed class PackCompletedConsumer(IWorkflowGateway gateway, ILogger<PackCompletedConsumer> logger)
    : FulfillmentSignalConsumer<PackCompleted>(gateway, logger)
{
    protected override string Exchange => Exchanges.PackCompleted;

    protected override string SignalName => SignalNames.PackCompleted;

    private protected override (string OrderId, Func<string, object> Signal) Read(PackCompleted message, MessageChecks checks)
    {
        var orderId = checks.Required(message.OrderId, "orderId");
        var deviceId = checks.Required(message.DeviceId, "deviceId");
        var packages = checks.NonEmpty(message.Packages, "packages")
            .Select((p, i) => new Package(checks.Required(p.PackageId, $"packages[{i}].packageId"), checks.Positive(p.WeightKg, $"packages[{i}].weightKg")))
            .ToList();
        return (orderId, messageId => new PackCompletedSignal(messageId, deviceId, packages));
    }
}
