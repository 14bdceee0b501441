using Temporalio.Activities;
using Temporalio.Exceptions;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Workflows.Tests.Infrastructure;

/// <summary>
/// Stand-ins for the OMS / IMS / WMS / SMS activities: local <c>[Activity("Name")]</c> methods with the
/// contract's names but not the interfaces (so a passing test also proves the workflows' typed calls
/// through the interfaces resolve to those names). They record every call in order, can fail on
/// demand, and can hold a step open (a gate) so that a test can act while it runs.
/// </summary>
public sealed class StubActivities
{
    private readonly Lock sync = new();
    private readonly List<string> calls = [];
    private readonly Dictionary<string, TaskCompletionSource> gates = [];
    private readonly Dictionary<string, TaskCompletionSource> entered = [];
    private int createOrderFailuresLeft;
    private string? createOrderConflict;
    private int paymentFailuresLeft;

    /// <summary>SKUs with no stock: AllocateInventory fails with InsufficientStock when an order asks for one.</summary>
    public HashSet<string> OutOfStock { get; } = [];

    /// <summary>SKUs ConsumeInventory reports as fallen below their reorder point.</summary>
    public List<string> BelowReorderPoint { get; } = [];

    /// <summary>Activities that always fail (retryable), e.g. an optional lookup or a notification that is down.</summary>
    public HashSet<string> Broken { get; } = [];

    /// <summary>Activities that fail with a non-retryable illegal transition.</summary>
    public HashSet<string> RefusedForGood { get; } = [];

    /// <summary>ProcessPayment declines for good (non-retryable) when set.</summary>
    public bool DeclinePayment { get; set; }

    /// <summary>Inputs received, by activity name (last one wins).</summary>
    public Dictionary<string, object> LastInput { get; } = [];

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (sync)
            {
                return [.. calls];
            }
        }
    }

    public int CountOf(string activity) => Calls.Count(c => c == activity);

    /// <summary>CreateOrder throws a retryable failure this many times before it succeeds (OMS down).</summary>
    public void FailCreateOrder(int times) => createOrderFailuresLeft = times;

    /// <summary>CreateOrder answers as OMS does for an order ID another request owns: non-retryable IllegalTransition.</summary>
    public void ConflictCreateOrder(string reason) => createOrderConflict = reason;

    /// <summary>ProcessPayment throws a retryable provider failure this many times before it succeeds.</summary>
    public void FailPayment(int times) => paymentFailuresLeft = times;

    /// <summary>Holds <paramref name="activity"/> open until <see cref="Open"/>.</summary>
    public void Gate(string activity)
    {
        lock (sync)
        {
            gates[activity] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            entered[activity] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Open(string activity)
    {
        lock (sync)
        {
            gates[activity].TrySetResult();
        }
    }

    /// <summary>Completes once a gated activity has started (and is held at its gate).</summary>
    public Task Entered(string activity)
    {
        lock (sync)
        {
            return entered[activity].Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Activity(ActivityNames.ValidateOrder)]
    public async Task<ValidatedOrder> ValidateAsync(OrderIntakeInput input)
    {
        await EnterAsync(ActivityNames.ValidateOrder, input);
        var s = input.Submitted;
        var result = OrderValidator.Check(new OrderDraft(
            s.RequestId,
            s.OrderId,
            s.CustomerId,
            s.Lines?.Select(l => new OrderDraftLine(l.Sku, l.Quantity)).ToList(),
            s.ShipTo is null ? null : new OrderDraftAddress(s.ShipTo.Name, s.ShipTo.Line1, s.ShipTo.City, s.ShipTo.PostalCode, s.ShipTo.Country)));
        if (result.Order is not { } order)
        {
            throw new ApplicationFailureException("Order is invalid", ActivityErrors.InvalidOrder, nonRetryable: true, details: [result.Reasons]);
        }

        return new ValidatedOrder(
            order.RequestId,
            order.OrderId,
            order.CustomerId,
            order.Lines.Select(l => new LineItem(l.Sku, l.Quantity)).ToList(),
            new Address(order.ShipTo.Name, order.ShipTo.Line1, order.ShipTo.City, order.ShipTo.PostalCode, order.ShipTo.Country));
    }

    [Activity(ActivityNames.CreateOrder)]
    public async Task<OrderRef> CreateAsync(ValidatedOrder order)
    {
        await EnterAsync(ActivityNames.CreateOrder, order);
        if (Interlocked.Decrement(ref createOrderFailuresLeft) >= 0)
        {
            throw new ApplicationFailureException("OMS database unavailable", "OmsUnavailable");
        }

        if (createOrderConflict is { } conflict)
        {
            throw new ApplicationFailureException(conflict, ActivityErrors.IllegalTransition, nonRetryable: true, details: [new[] { conflict }]);
        }

        return new OrderRef(order.OrderId);
    }

    [Activity(ActivityNames.EmitOrderEvent)]
    public Task EmitAsync(ValidatedOrder order) => EnterAsync(ActivityNames.EmitOrderEvent, order);

    [Activity(ActivityNames.RejectOrder)]
    public Task RejectAsync(RejectOrderInput input) => EnterAsync(ActivityNames.RejectOrder, input);

    [Activity(ActivityNames.MarkOrderReserved)]
    public Task ReservedAsync(OrderRef order) => EnterAsync(ActivityNames.MarkOrderReserved, order);

    [Activity(ActivityNames.MarkOrderShipped)]
    public Task ShippedAsync(MarkOrderShippedInput input) => EnterAsync(ActivityNames.MarkOrderShipped, input);

    [Activity(ActivityNames.MarkOrderFailed)]
    public Task FailedAsync(OrderStatusChange change) => EnterAsync(ActivityNames.MarkOrderFailed, change);

    [Activity(ActivityNames.MarkOrderCancelled)]
    public Task CancelledAsync(OrderStatusChange change) => EnterAsync(ActivityNames.MarkOrderCancelled, change);

    [Activity(ActivityNames.AllocateInventory)]
    public async Task<AllocationResult> AllocateAsync(AllocateInventoryInput input)
    {
        await EnterAsync(ActivityNames.AllocateInventory, input);
        var missing = input.Lines.Where(l => OutOfStock.Contains(l.Sku)).Select(l => $"{l.Sku}: 0 available").ToList();
        if (missing.Count > 0)
        {
            throw new ApplicationFailureException(
                $"Cannot allocate stock for order {input.OrderId}: {string.Join("; ", missing)}",
                ActivityErrors.InsufficientStock,
                nonRetryable: true,
                details: [missing]);
        }

        return new AllocationResult(input.OrderId, input.Lines);
    }

    [Activity(ActivityNames.ReleaseInventory)]
    public Task ReleaseAsync(ReleaseInventoryInput input) => EnterAsync(ActivityNames.ReleaseInventory, input);

    [Activity(ActivityNames.ConsumeInventory)]
    public async Task<ConsumeInventoryResult> ConsumeAsync(ConsumeInventoryInput input)
    {
        await EnterAsync(ActivityNames.ConsumeInventory, input);
        return new ConsumeInventoryResult(input.OrderId, [.. BelowReorderPoint]);
    }

    [Activity(ActivityNames.CreatePickWave)]
    public async Task<PickWaveResult> PickWaveAsync(CreatePickWaveInput input)
    {
        await EnterAsync(ActivityNames.CreatePickWave, input);
        return new PickWaveResult(input.OrderId, $"wave-{input.OrderId}");
    }

    [Activity(ActivityNames.CreateShipment)]
    public async Task<ShipmentResult> ShipmentAsync(CreateShipmentInput input)
    {
        await EnterAsync(ActivityNames.CreateShipment, input);
        return new ShipmentResult(input.OrderId, $"shp-{input.OrderId}");
    }

    [Activity(ActivityNames.GenerateShippingLabel)]
    public async Task<LabelResult> LabelAsync(ShipmentRef shipment)
    {
        await EnterAsync(ActivityNames.GenerateShippingLabel, shipment);
        return new LabelResult(shipment.OrderId, shipment.ShipmentId, $"TRK-{shipment.OrderId}", $"label://{shipment.ShipmentId}");
    }

    [Activity(ActivityNames.ConfirmShipment)]
    public Task ConfirmAsync(LabelResult label) => EnterAsync(ActivityNames.ConfirmShipment, label);

    [Activity(ActivityNames.CancelShipment)]
    public Task CancelShipmentAsync(OrderStatusChange change) => EnterAsync(ActivityNames.CancelShipment, change);

    [Activity(ActivityNames.FetchCustomerProfile)]
    public async Task<CustomerProfile> ProfileAsync(CustomerRef customer)
    {
        await EnterAsync(ActivityNames.FetchCustomerProfile, customer);
        return new CustomerProfile(customer.CustomerId, "GOLD", 7);
    }

    [Activity(ActivityNames.FetchInventorySnapshot)]
    public async Task<InventorySnapshot> SnapshotAsync(InventorySnapshotRequest request)
    {
        await EnterAsync(ActivityNames.FetchInventorySnapshot, request);
        return new InventorySnapshot([.. request.Skus.Select(s => new SkuAvailability(s, OutOfStock.Contains(s) ? 0 : 100))]);
    }

    [Activity(ActivityNames.FetchRecommendations)]
    public async Task<Recommendations> RecommendationsAsync(RecommendationRequest request)
    {
        await EnterAsync(ActivityNames.FetchRecommendations, request);
        return new Recommendations(["SKU-REC"]);
    }

    [Activity(ActivityNames.ReserveAddedLine)]
    public async Task<AllocationResult> ReserveAddedLineAsync(ReserveAddedLineInput input)
    {
        await EnterAsync(ActivityNames.ReserveAddedLine, input);
        if (OutOfStock.Contains(input.Sku))
        {
            throw new ApplicationFailureException($"{input.Sku}: 0 available", ActivityErrors.InsufficientStock, nonRetryable: true);
        }

        return new AllocationResult(input.OrderId, [new LineItem(input.Sku, input.Quantity)]);
    }

    [Activity(ActivityNames.MarkOrderAwaitingPayment)]
    public Task AwaitingPaymentAsync(OrderRef order) => EnterAsync(ActivityNames.MarkOrderAwaitingPayment, order);

    [Activity(ActivityNames.ProcessPayment)]
    public async Task<PaymentResult> PaymentAsync(ProcessPaymentInput input)
    {
        await EnterAsync(ActivityNames.ProcessPayment, input);
        if (DeclinePayment)
        {
            throw new ApplicationFailureException("Card declined", ActivityErrors.PaymentDeclined, nonRetryable: true);
        }

        if (Interlocked.Decrement(ref paymentFailuresLeft) >= 0)
        {
            throw new ApplicationFailureException("Payment provider unavailable", "PaymentProviderUnavailable");
        }

        return new PaymentResult(input.OrderId, $"pay-{input.OrderId}");
    }

    [Activity(ActivityNames.RefundPayment)]
    public Task RefundAsync(OrderStatusChange change) => EnterAsync(ActivityNames.RefundPayment, change);

    /// <summary>What ShortOrderLines answers it refunded (null: an unpriced order).</summary>
    public decimal? ShortRefund { get; set; }

    [Activity(ActivityNames.ShortOrderLines)]
    public async Task<ShortOrderLinesResult> ShortOrderLinesAsync(ShortOrderLinesInput input)
    {
        await EnterAsync(ActivityNames.ShortOrderLines, input);
        return new ShortOrderLinesResult(input.OrderId, ShortRefund, ShortRefund is null ? null : "EUR");
    }

    [Activity(ActivityNames.MarkOrderPaid)]
    public Task PaidAsync(MarkOrderPaidInput input) => EnterAsync(ActivityNames.MarkOrderPaid, input);

    [Activity(ActivityNames.SendOrderConfirmation)]
    public Task ConfirmationAsync(OrderNotification notification) => EnterAsync(ActivityNames.SendOrderConfirmation, notification);

    [Activity(ActivityNames.SendCancellationNotice)]
    public Task CancellationNoticeAsync(OrderNotification notification) => EnterAsync(ActivityNames.SendCancellationNotice, notification);

    [Activity(ActivityNames.MarkOrderCompleted)]
    public Task CompletedAsync(MarkOrderCompletedInput input) => EnterAsync(ActivityNames.MarkOrderCompleted, input);

    private async Task EnterAsync(string activity, object input)
    {
        TaskCompletionSource? gate;
        lock (sync)
        {
            calls.Add(activity);
            LastInput[activity] = input;
            gates.TryGetValue(activity, out gate);
            if (entered.TryGetValue(activity, out var started))
            {
                started.TrySetResult();
            }
        }

        if (gate is not null)
        {
            await gate.Task.WaitAsync(ActivityExecutionContext.Current.CancellationToken);
        }

        if (Broken.Contains(activity))
        {
            throw new ApplicationFailureException($"{activity} is down", "Unavailable");
        }

        if (RefusedForGood.Contains(activity))
        {
            throw new ApplicationFailureException($"{activity} refused", ActivityErrors.IllegalTransition, nonRetryable: true);
        }
    }
}
