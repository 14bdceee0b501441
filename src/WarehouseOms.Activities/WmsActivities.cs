using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Persistence.Warehouse;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>WMS activities over wms.* and the outbox. One pick wave per order (unique order ID).</summary>
public sealed partial class WmsActivities(WarehouseOmsDbContext db, IOutbox outbox, IOrderHistory history, TimeProvider clock, ILogger<WmsActivities> logger)
    : IWmsActivities
{
    /// <summary>The pick wave ID of an order: derived, so every attempt names the same wave.</summary>
    public static string PickWaveIdFor(string orderId) => $"pw-{orderId}";

    [Activity(ActivityNames.CreatePickWave)]
    public async Task<PickWaveResult> CreatePickWaveAsync(CreatePickWaveInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = ActivityRun.Current;
        using var scope = run.BeginScope(logger, input.OrderId);
        var cancellationToken = ActivityExecutionContext.Current.CancellationToken;

        if (input.Lines.Count == 0)
        {
            throw ActivityFailures.IllegalTransition($"Order {input.OrderId}: a pick wave needs at least one line.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var pickWaveId = PickWaveIdFor(input.OrderId);
        var lines = input.Lines.Select(l => new ShippedLine(l.Sku, l.Quantity)).ToList();
        var now = clock.GetUtcNow();
        var linesJson = JsonSerializer.Serialize(lines, OutboxConventions.JsonOptions);
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO wms.pick_waves (pick_wave_id, order_id, lines, created_at)
            VALUES ({pickWaveId}, {input.OrderId}, CAST({linesJson} AS jsonb), {now})
            ON CONFLICT (order_id) DO NOTHING
            """,
            cancellationToken);
        if (inserted == 0)
        {
            var existing = await db.PickWaves.AsNoTracking().SingleAsync(p => p.OrderId == input.OrderId, cancellationToken);
            LogAlreadyCreated(logger, input.OrderId, existing.PickWaveId);
            return new PickWaveResult(input.OrderId, existing.PickWaveId);
        }

        var messageId = run.MessageIdFor(Exchanges.PickWaveCreated);
        var created = new PickWaveCreatedEvent(input.OrderId, pickWaveId, lines, now);
        await outbox.AddAsync(
            Exchanges.PickWaveCreated,
            created,
            messageId,
            run.Headers(input.OrderId),
            cancellationToken);
        await history.AppendAsync(input.OrderId, OrderEventTypes.PickWaveCreated, created, run.EventContext(messageId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogCreated(logger, input.OrderId, pickWaveId, lines.Count, messageId);
        return new PickWaveResult(input.OrderId, pickWaveId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: pick wave {PickWaveId} created with {LineCount} line(s), event {MessageId}")]
    private static partial void LogCreated(ILogger logger, string orderId, string pickWaveId, int lineCount, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} already has pick wave {PickWaveId}; returning it")]
    private static partial void LogAlreadyCreated(ILogger logger, string orderId, string pickWaveId);
}
