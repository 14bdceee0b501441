using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Persistence.Shipping;
using WarehouseOms.Persistence.Warehouse;

namespace WarehouseOms.Persistence.Changes;

/// <summary>Opens units of work (<see cref="OrderChange"/>), and gives the stores for reads outside one.</summary>
public interface IOrderChanges
{
    /// <summary>Begins a transaction for one change of <paramref name="subject"/> made by <paramref name="origin"/>.</summary>
    Task<OrderChange> BeginAsync(ChangeOrigin origin, ChangeSubject subject, CancellationToken cancellationToken);

    /// <summary>The stores without a transaction: for reads before (or instead of) a change.</summary>
    WarehouseStores Read(CancellationToken cancellationToken);
}

/// <summary>The per-system stores (the SQL of oms.*, ims.*, wms.*, sms.*) over one DbContext and cancellation token.</summary>
public sealed class WarehouseStores(WarehouseOmsDbContext db, CancellationToken cancellationToken)
{
    public OmsStore Oms { get; } = new(db, cancellationToken);

    public ImsStore Ims { get; } = new(db, cancellationToken);

    public WmsStore Wms { get; } = new(db, cancellationToken);

    public SmsStore Sms { get; } = new(db, cancellationToken);
}

/// <summary>
/// One change of an order (or of another subject, e.g. a SKU) in one PostgreSQL transaction: the state
/// change through the stores, the outbound message and the order's history event, where one message ID
/// links the outbox row to the event (<see cref="EmitAsync{TEvent}(string, TEvent)"/>). Nothing is
/// written unless <see cref="CommitAsync"/> is called; disposing without it rolls everything back.
/// </summary>
/// <remarks>
/// Idempotency stays with the caller's guards (a lock and a state check, a unique key): a re-run that
/// finds its change made must return before calling anything that writes. Message IDs derive from
/// <see cref="Origin"/>, so a retry after a lost commit acknowledgement rewrites nothing.
/// </remarks>
public sealed partial class OrderChange : IAsyncDisposable
{
    private readonly WarehouseOmsDbContext db;
    private readonly IOutbox outbox;
    private readonly IOrderHistory history;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly IDbContextTransaction transaction;
    private readonly WarehouseStores stores;
    private bool completed;

    internal OrderChange(
        WarehouseOmsDbContext db,
        IOutbox outbox,
        IOrderHistory history,
        TimeProvider clock,
        ILogger logger,
        IDbContextTransaction transaction,
        ChangeOrigin origin,
        ChangeSubject subject,
        CancellationToken cancellationToken)
    {
        this.db = db;
        this.outbox = outbox;
        this.history = history;
        this.clock = clock;
        this.logger = logger;
        this.transaction = transaction;
        Origin = origin;
        Subject = subject;
        CancellationToken = cancellationToken;
        stores = new WarehouseStores(db, cancellationToken);
    }

    public ChangeOrigin Origin { get; }

    public ChangeSubject Subject { get; }

    public CancellationToken CancellationToken { get; }

    public OmsStore Oms => stores.Oms;

    public ImsStore Ims => stores.Ims;

    public WmsStore Wms => stores.Wms;

    public SmsStore Sms => stores.Sms;

    /// <summary>
    /// Writes <paramref name="message"/> to the outbox for <paramref name="exchange"/> and records it as the
    /// order's next history event, both with one message ID. Pending state changes are saved first.
    /// </summary>
    public Task<Guid> EmitAsync<TEvent>(string exchange, TEvent message)
        where TEvent : class =>
        EmitAsync(exchange, message, message);

    /// <summary>The same, with a history event other than the message (e.g. LineAdded for an allocation).</summary>
    public async Task<Guid> EmitAsync<TEvent, THistory>(string exchange, TEvent message, THistory recordedAs)
        where TEvent : class
        where THistory : class
    {
        // The event first: its version is the message's sequence number.
        var messageId = Origin.MessageIdFor(exchange);
        var version = await AppendAsync(recordedAs, messageId).ConfigureAwait(false);
        return (await PublishCoreAsync(exchange, message, version).ConfigureAwait(false)).MessageId;
    }

    /// <summary>
    /// Writes <paramref name="message"/> to the outbox only (no history event: a message about no order's
    /// state, or one the history does not keep). Pending state changes are saved first.
    /// </summary>
    public async Task<Emitted> PublishAsync<TEvent>(string exchange, TEvent message)
        where TEvent : class
    {
        await SaveAsync().ConfigureAwait(false);
        int? version = Subject.IsOrder
            ? await db.OrderEvents.Where(e => e.OrderId == Subject.Value).MaxAsync(e => (int?)e.Version, CancellationToken).ConfigureAwait(false) ?? 0
            : null;
        return await PublishCoreAsync(exchange, message, version).ConfigureAwait(false);
    }

    private async Task<Emitted> PublishCoreAsync<TEvent>(string exchange, TEvent message, int? orderSequence)
        where TEvent : class
    {
        await SaveAsync().ConfigureAwait(false);
        var messageId = Origin.MessageIdFor(exchange);
        var written = await outbox.AddAsync(exchange, message, messageId, Headers(orderSequence), CancellationToken).ConfigureAwait(false);
        LogEmitted(logger, exchange, Subject.Value, messageId, written);
        return new Emitted(messageId, written);
    }

    /// <summary>Records <paramref name="event"/> in the order's history only (a change that emits no message).</summary>
    public Task RecordAsync<THistory>(THistory @event)
        where THistory : class =>
        AppendAsync(@event, messageId: null);

    /// <summary>
    /// Moves <paramref name="order"/> (locked by <see cref="OmsStore.LockOrderAsync"/>) to <paramref name="to"/>
    /// and records the status event. Null when the order already is there (a re-run: nothing is written).
    /// </summary>
    /// <param name="apply">Sets the facts that come with the move (shipment, delivery) before it is recorded.</param>
    /// <exception cref="IllegalOrderTransitionException">The order lifecycle does not allow the move.</exception>
    public Task<OrderMove?> MoveAsync(OrderRecord order, OrderStatus to, string? reason = null, Action<OrderRecord>? apply = null) =>
        MoveCoreAsync<object>(order, to, reason, record =>
        {
            apply?.Invoke(record);
            return null;
        });

    /// <summary>
    /// The same, and emits the message <paramref name="announce"/> returns (after the move) to
    /// <paramref name="exchange"/>, with the status event naming its message ID.
    /// </summary>
    public Task<OrderMove?> MoveAsync<TEvent>(OrderRecord order, OrderStatus to, string? reason, string exchange, Func<OrderRecord, TEvent> announce)
        where TEvent : class =>
        MoveCoreAsync<TEvent>(order, to, reason, record => (exchange, announce(record)));

    private async Task<OrderMove?> MoveCoreAsync<TEvent>(OrderRecord order, OrderStatus to, string? reason, Func<OrderRecord, (string Exchange, TEvent Message)?> apply)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(order);
        if (!Subject.IsOrder || order.OrderId != Subject.Value)
        {
            throw new InvalidOperationException($"A change of {Subject.HeaderName} {Subject.Value} cannot move order {order.OrderId}.");
        }

        if (order.Status == to)
        {
            return null;
        }

        OrderStatusLifecycle.EnsureCanMove(order.OrderId, order.Status, to);
        var from = order.Status;
        order.Status = to;
        order.StatusReason = reason ?? order.StatusReason;
        order.UpdatedAt = clock.GetUtcNow();
        // The status event first: its version is the announcing message's sequence number.
        var announcement = apply(order);
        Guid? messageId = announcement is var (exchange, _) ? Origin.MessageIdFor(exchange) : null;
        var version = await AppendAsync(
            new OrderStatusChanged(OrderStatusText.ToWire(from), OrderStatusText.ToWire(to), reason, order.ShipmentId, order.TrackingNumber, order.DeliveredAt),
            messageId).ConfigureAwait(false);
        if (announcement is var (target, message))
        {
            await PublishCoreAsync(target, message, version).ConfigureAwait(false);
        }

        return new OrderMove(order.OrderId, from, to, messageId);
    }

    /// <summary>Saves the tracked state changes (the transaction stays open).</summary>
    public Task SaveAsync() => db.SaveChangesAsync(CancellationToken);

    /// <summary>Saves what is pending and commits. After a rollback it does nothing.</summary>
    public async Task CommitAsync()
    {
        if (completed)
        {
            return;
        }

        await SaveAsync().ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken).ConfigureAwait(false);
        completed = true;
    }

    /// <summary>Rolls back now (e.g. after a unique violation aborted the transaction); later reads run outside it.</summary>
    public async Task RollbackAsync()
    {
        if (completed)
        {
            return;
        }

        await transaction.RollbackAsync(CancellationToken).ConfigureAwait(false);
        db.ChangeTracker.Clear();
        completed = true;
    }

    public ValueTask DisposeAsync() => transaction.DisposeAsync();

    /// <summary>Appends the order's next history event; returns its version.</summary>
    private async Task<int> AppendAsync<THistory>(THistory @event, Guid? messageId)
        where THistory : class
    {
        if (!Subject.IsOrder)
        {
            throw new InvalidOperationException($"A change of {Subject.HeaderName} {Subject.Value} has no order history to record {typeof(THistory).Name} in.");
        }

        await SaveAsync().ConfigureAwait(false);
        var appended = await history.AppendAsync(Subject.Value, @event, new OrderEventContext(Origin.WorkflowId, Origin.ActivityId, messageId), CancellationToken).ConfigureAwait(false);
        return appended.Version;
    }

    /// <summary>
    /// AMQP headers that let an operator trace an event back to the workflow that caused it, and a consumer order
    /// and de-duplicate it (<see cref="OutboundHeaders"/>).
    /// </summary>
    private Dictionary<string, string> Headers(int? orderSequence)
    {
        var headers = new Dictionary<string, string>
        {
            [Subject.HeaderName] = Subject.Value,
            ["workflowId"] = Origin.WorkflowId,
            ["activityId"] = Origin.ActivityId,
            [OutboundHeaders.SchemaVersion] = OutboundHeaders.CurrentSchemaVersion,
        };
        if (orderSequence is { } sequence)
        {
            headers[OutboundHeaders.OrderSequence] = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return headers;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {Exchange} for {Subject} in the outbox as {MessageId} (new: {Written})")]
    private static partial void LogEmitted(ILogger logger, string exchange, string subject, Guid messageId, bool written);
}

/// <summary>A status move an <see cref="OrderChange"/> made, and the message it emitted, if any.</summary>
public sealed record OrderMove(string OrderId, OrderStatus From, OrderStatus To, Guid? MessageId);

internal sealed class OrderChanges(WarehouseOmsDbContext db, IOutbox outbox, IOrderHistory history, TimeProvider clock, ILogger<OrderChange> logger)
    : IOrderChanges
{
    public async Task<OrderChange> BeginAsync(ChangeOrigin origin, ChangeSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(subject);
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        return new OrderChange(db, outbox, history, clock, logger, transaction, origin, subject, cancellationToken);
    }

    public WarehouseStores Read(CancellationToken cancellationToken) => new(db, cancellationToken);
}
