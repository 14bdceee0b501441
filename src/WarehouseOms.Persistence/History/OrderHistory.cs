using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace WarehouseOms.Persistence.History;

/// <summary>Who caused an event: the activity that made the change and the outbox message it wrote, if any.</summary>
public sealed record OrderEventContext(string? WorkflowId, string? ActivityId, Guid? MessageId = null)
{
    public static OrderEventContext None { get; } = new(null, null);
}

/// <summary>Appends to an order's history and keeps its read model current, inside the caller's transaction.</summary>
public interface IOrderHistory
{
    /// <summary>
    /// Appends <paramref name="event"/> (its type name from <see cref="OrderEventCatalog"/>) as the order's next version and
    /// applies it to oms.order_summaries, both in the open transaction, so the event commits or vanishes
    /// with the state change it records. Call it only on the path that changes state: a re-run that
    /// changes nothing must append nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">No transaction is open.</exception>
    /// <exception cref="ArgumentException"><paramref name="event"/> is not an order history event.</exception>
    /// <exception cref="OrderEventConflictException">
    /// A concurrent transaction appended this version first; the transaction is aborted, re-run it.
    /// </exception>
    Task<OrderEventRecord> AppendAsync<TEvent>(
        string orderId,
        TEvent @event,
        OrderEventContext context,
        CancellationToken cancellationToken = default)
        where TEvent : class;
}

internal sealed partial class EfOrderHistory(WarehouseOmsDbContext db, TimeProvider clock, ILogger<EfOrderHistory> logger) : IOrderHistory
{
    public async Task<OrderEventRecord> AppendAsync<TEvent>(
        string orderId,
        TEvent @event,
        OrderEventContext context,
        CancellationToken cancellationToken = default)
        where TEvent : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(context);
        var eventType = OrderEventCatalog.TypeOf(@event);
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException(
                "Order events must be appended inside the transaction of the state change they record; begin a transaction first.");
        }

        // The events are the truth; the summary normally sits at the same version (same transactions).
        var version = await db.OrderEvents.Where(e => e.OrderId == orderId).MaxAsync(e => (int?)e.Version, cancellationToken).ConfigureAwait(false) ?? 0;
        var summary = await db.OrderSummaries.AsNoTracking().SingleOrDefaultAsync(s => s.OrderId == orderId, cancellationToken).ConfigureAwait(false);
        if ((summary?.Version ?? 0) != version)
        {
            // A read between two commits, or a summary an operator deleted to have it rebuilt.
            LogRebuilding(logger, orderId, summary?.Version, version);
            summary = OrderSummaryProjection.Replay(await db.OrderEvents.AsNoTracking()
                .Where(e => e.OrderId == orderId && e.Version <= version)
                .OrderBy(e => e.Version)
                .ToListAsync(cancellationToken).ConfigureAwait(false));
        }

        var appended = new OrderEventRecord
        {
            OrderId = orderId,
            Version = version + 1,
            EventType = eventType,
            Payload = OrderEventCatalog.Serialize(@event),
            OccurredAt = clock.GetUtcNow(),
            WorkflowId = context.WorkflowId,
            ActivityId = context.ActivityId,
            MessageId = context.MessageId,
        };
        var next = OrderSummaryProjection.Apply(summary, appended, @event);

        try
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO oms.order_events (order_id, version, event_type, payload, occurred_at, workflow_id, activity_id, message_id)
                VALUES ({appended.OrderId}, {appended.Version}, {appended.EventType}, CAST({appended.Payload} AS jsonb), {appended.OccurredAt},
                        {appended.WorkflowId}, {appended.ActivityId}, {appended.MessageId})
                """,
                cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            LogConflict(logger, orderId, appended.Version, eventType);
            throw new OrderEventConflictException(orderId, appended.Version, ex);
        }

        var status = next.Status is { } s ? OrderStatusText.ToWire(s) : null;
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO oms.order_summaries (order_id, customer_id, status, status_reason, step, lines, shipment_id, tracking_number,
                                             currency, total_amount, captured_amount, refunded_amount, version, created_at, updated_at)
            VALUES ({next.OrderId}, {next.CustomerId}, {status}, {next.StatusReason}, {next.Step}, CAST({next.Lines} AS jsonb),
                    {next.ShipmentId}, {next.TrackingNumber}, {next.Currency}, {next.TotalAmount}, {next.CapturedAmount}, {next.RefundedAmount},
                    {next.Version}, {next.CreatedAt}, {next.UpdatedAt})
            ON CONFLICT (order_id) DO UPDATE SET
                customer_id = EXCLUDED.customer_id, status = EXCLUDED.status, status_reason = EXCLUDED.status_reason,
                step = EXCLUDED.step, lines = EXCLUDED.lines, shipment_id = EXCLUDED.shipment_id,
                tracking_number = EXCLUDED.tracking_number, currency = EXCLUDED.currency, total_amount = EXCLUDED.total_amount,
                captured_amount = EXCLUDED.captured_amount, refunded_amount = EXCLUDED.refunded_amount,
                version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
            """,
            cancellationToken).ConfigureAwait(false);

        LogAppended(logger, orderId, eventType, appended.Version, appended.MessageId);
        return appended;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Order {OrderId}: {EventType} appended as version {Version} (message {MessageId})")]
    private static partial void LogAppended(ILogger logger, string orderId, string eventType, int version, Guid? messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: version {Version} ({EventType}) was appended concurrently; the transaction must be re-run")]
    private static partial void LogConflict(ILogger logger, string orderId, int version, string eventType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: summary at version {SummaryVersion} but history at {HistoryVersion}; rebuilding it from the events")]
    private static partial void LogRebuilding(ILogger logger, string orderId, int? summaryVersion, int historyVersion);
}
