using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>wms.pack-completed</c> → signal PackCompleted.</summary>
public sealed class PackCompletedConsumer(IOrderWorkflows gateway, ILogger<PackCompletedConsumer> logger)
    : FulfillmentSignalConsumer<PackCompleted>(gateway, logger)
{
    protected override string Exchange => Exchanges.PackCompleted;

    private protected override (string OrderId, Func<string, FulfillmentSignal> Signal) Read(PackCompleted message, MessageChecks checks)
    {
        var orderId = checks.Required(message.OrderId, "orderId");
        var deviceId = checks.Required(message.DeviceId, "deviceId");
        var packages = checks.NonEmpty(message.Packages, "packages")
            .Select((p, i) => new Package(checks.Required(p.PackageId, $"packages[{i}].packageId"), checks.Positive(p.WeightKg, $"packages[{i}].weightKg")))
            .ToList();
        return (orderId, messageId => wf => wf.PackCompletedAsync(new PackCompletedSignal(messageId, deviceId, packages)));
    }
}
