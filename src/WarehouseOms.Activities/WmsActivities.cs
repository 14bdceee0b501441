using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>WMS activities over wms.* and the outbox. One pick wave per order (unique order ID).</summary>
public sealed partial class WmsActivities(IOrderChanges changes, TimeProvider clock, ILogger<WmsActivities> logger)
    : IWmsActivities
{
    /// <summary>The pick wave ID of an order: derived, so every attempt names the same wave.</summary>
    public static string PickWaveIdFor(string orderId) => $"pw-{orderId}";

    [Activity(ActivityNames.CreatePickWave)]
    public Task<PickWaveResult> CreatePickWaveAsync(CreatePickWaveInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return changes.RunAsync(logger, input.OrderId, async change =>
        {
            if (input.Lines.Count == 0)
            {
                throw ActivityFailures.IllegalTransition($"Order {input.OrderId}: a pick wave needs at least one line.");
            }

            var pickWaveId = PickWaveIdFor(input.OrderId);
            var lines = input.Lines.Select(l => new SkuLine(l.Sku, l.Quantity)).ToList();
            var now = clock.GetUtcNow();
            if (!await change.Wms.TryAddPickWaveAsync(pickWaveId, input.OrderId, lines, now))
            {
                var existing = await change.Wms.GetPickWaveOfOrderAsync(input.OrderId);
                LogAlreadyCreated(logger, input.OrderId, existing.PickWaveId);
                return new PickWaveResult(input.OrderId, existing.PickWaveId);
            }

            var messageId = await change.EmitAsync(Exchanges.PickWaveCreated, new PickWaveCreatedEvent(input.OrderId, pickWaveId, lines, now));
            LogCreated(logger, input.OrderId, pickWaveId, lines.Count, messageId);
            return new PickWaveResult(input.OrderId, pickWaveId);
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: pick wave {PickWaveId} created with {LineCount} line(s), event {MessageId}")]
    private static partial void LogCreated(ILogger logger, string orderId, string pickWaveId, int lineCount, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} already has pick wave {PickWaveId}; returning it")]
    private static partial void LogAlreadyCreated(ILogger logger, string orderId, string pickWaveId);
}
