using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// <c>wms.pick-completed</c> → signal PickCompleted (the workflow de-duplicates by message ID). A report
/// naming more units than the order holds reserved, or a SKU it does not hold, goes to the error queue with
/// the reason (fewer units is a short pick: the workflow's policy decides). Without a reservation to hold it
/// against (not yet reserved, already picked) the workflow, which checks too, decides.
/// </summary>
public sealed class PickCompletedConsumer(IOrderWorkflows gateway, IHeldReservations reservations, ILogger<PickCompletedConsumer> logger)
    : FulfillmentSignalConsumer<PickCompleted>(gateway, logger)
{
    private protected override async Task CheckAsync(PickCompleted message, string orderId, MessageChecks checks, CancellationToken cancellationToken)
    {
        var reserved = await reservations.ReservedAsync(orderId, cancellationToken).ConfigureAwait(false);
        if (reserved.Count == 0)
        {
            return;
        }

        var reported = message.Lines!.Select(l => new SkuQuantity(l!.Sku!.Trim(), l.Quantity!.Value)).ToList();
        foreach (var refusal in PickAssessment.Assess(reserved, reported).Refusals)
        {
            checks.Add($"lines: {refusal}");
        }
    }

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
