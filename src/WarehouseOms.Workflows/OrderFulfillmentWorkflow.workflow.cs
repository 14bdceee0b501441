using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Domain.Pricing;
using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Replenishment;

namespace WarehouseOms.Workflows;

/// <summary>
/// End-to-end fulfillment of one order (ID <c>order-fulfillment-{orderId}</c>): enrich → allocate →
/// reserve → wait for payment approval (lines may be added) → capture payment → pick wave → wait
/// PickCompleted → consume → wait PackCompleted → shipment → label → confirm → shipped → wait for the
/// delivery → completed.
/// </summary>
/// <remarks>
/// The rules (ordering, duplicates, what is still cancellable) live in <see cref="FulfillmentState"/>;
/// this class only orchestrates. Compensations are registered as steps complete and run in reverse
/// (saga). CancelOrder is honoured at the next step boundary or immediately while waiting for the
/// warehouse; once ConfirmShipment has begun, the parcel is with the carrier and cancel is ignored.
/// Enrichment/payment and the delivery wait were added behind <see cref="Patches"/>: orders started
/// before them replay unchanged (proven by replay tests over recorded histories).
/// </remarks>
[Workflow(WorkflowType)]
public sealed class OrderFulfillmentWorkflow
{
    public const string WorkflowType = "OrderFulfillmentWorkflow";

    private readonly List<(string Name, Func<Task> Undo)> compensations = [];
    private CancellationTokenSource? compensationCancellation;
    private bool withPayment;
    private FulfillmentState state;
    private OrderEnrichment enrichment = OrderEnrichment.None;

    [WorkflowInit]
    public OrderFulfillmentWorkflow(FulfillmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        state = FulfillmentState.Start(input.OrderId, input.Lines.Select(l => new SkuQuantity(l.Sku, l.Quantity)));
        if (input.Currency is { } code)
        {
            // Validated at intake: a priced order has a known currency and a unit price on every line.
            var currency = Currencies.Of(code);
            state = state.WithPrices(currency, OrderPricing.Lines(currency, input.Lines.Select(l => (l.Sku, l.Quantity, l.UnitPrice!.Value))));
        }
    }

    // Queries. Each fact is read from the state in one place; the seed's names answer the same facts.

    /// <summary>The order's stage in its wire spelling, e.g. AWAITING_PAYMENT.</summary>
    [WorkflowQuery(QueryNames.FulfillmentStatus)]
    public string FulfillmentStatus => state.Stage.ToWire();

    /// <summary>The seed's get-status: the same as <see cref="FulfillmentStatus"/>.</summary>
    [WorkflowQuery(QueryNames.GetStatus)]
    public string GetStatus => FulfillmentStatus;

    [WorkflowQuery(QueryNames.CurrentStep)]
    public string CurrentStep => state.Step.ToString();

    [WorkflowQuery(QueryNames.BlockingReason)]
    public string? BlockingReason => state.BlockingReason;

    /// <summary>The seed's get-items: the order's lines, including lines added while awaiting payment.</summary>
    [WorkflowQuery(QueryNames.GetItems)]
    public IReadOnlyList<LineItem> Items => [.. state.Lines.Select(l => new LineItem(l.Sku, l.Quantity))];

    /// <summary>Everything above and more in one answer (HTTP and CLI views).</summary>
    [WorkflowQuery(QueryNames.Snapshot)]
    public FulfillmentSnapshot Snapshot => new(
        state.OrderId,
        FulfillmentStatus,
        CurrentStep,
        BlockingReason,
        state.PickWaveId,
        state.ShipmentId,
        state.TrackingNumber,
        state.Pick is not null,
        state.Pack is not null,
        state.IsCancelRequested,
        state.OutcomeReason,
        Items,
        state.Approval?.ApprovedBy,
        state.PaymentReference,
        enrichment.Profile?.Tier,
        [.. state.RejectedLines.Select(r => $"{r.Addition.Quantity} x {r.Addition.Sku}: {r.Reason}")],
        state.Delivery?.DeliveredAt,
        state.Currency?.Code,
        state.Total?.Amount,
        state.Captured?.Amount,
        state.Refunded?.Amount,
        [.. state.Shortage.Select(s => $"{s.Shorted} x {s.Sku} short (picked {s.Picked} of {s.Reserved})")],
        [.. state.RefusedPicks]);

    [WorkflowSignal(SignalNames.PickCompleted)]
    public Task PickCompletedAsync(PickCompletedSignal signal) =>
        Receive(SignalNames.PickCompleted, signal?.MessageId, s => s.ReceivePick(
            new PickReport(signal!.MessageId, signal.DeviceId, [.. signal.Lines.Select(l => new SkuQuantity(l.Sku, l.Quantity))])));

    [WorkflowSignal(SignalNames.PackCompleted)]
    public Task PackCompletedAsync(PackCompletedSignal signal) =>
        Receive(SignalNames.PackCompleted, signal?.MessageId, s => s.ReceivePack(
            new PackReport(signal!.MessageId, signal.DeviceId, [.. signal.Packages.Select(p => new PackedParcel(p.PackageId, p.WeightKg))])));

    [WorkflowSignal(SignalNames.CancelOrder)]
    public Task CancelOrderAsync(CancelOrderSignal signal) =>
        Receive(SignalNames.CancelOrder, signal?.MessageId, s => s.ReceiveCancel(new CancelRequest(signal!.MessageId, signal.Reason)));

    [WorkflowSignal(SignalNames.ApprovePayment)]
    public Task ApprovePaymentAsync(ApprovePaymentSignal signal) =>
        Receive(SignalNames.ApprovePayment, signal?.MessageId, s => s.ReceiveApproval(new PaymentApproval(signal!.MessageId, signal.ApprovedBy)));

    [WorkflowSignal(SignalNames.AddLineItem)]
    public Task AddLineItemAsync(AddLineItemSignal signal) =>
        Receive(SignalNames.AddLineItem, signal?.MessageId, s => s.ReceiveLineAddition(new LineAddition(signal!.MessageId, signal.Sku, signal.Quantity, signal.UnitPrice)));

    [WorkflowSignal(SignalNames.ShipmentDelivered)]
    public Task ShipmentDeliveredAsync(ShipmentDeliveredSignal signal) =>
        Receive(SignalNames.ShipmentDelivered, signal?.MessageId, s => s.ReceiveDelivery(new DeliveryReport(signal!.MessageId, signal.DeliveredAt)));

    [WorkflowRun]
    public async Task<FulfillmentResult> RunAsync(FulfillmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Workflow.Logger.BeginScope(new Dictionary<string, object?>
        {
            ["OrderId"] = input.OrderId,
            ["WorkflowId"] = Workflow.Info.WorkflowId,
        });

        try
        {
            await FulfilAsync(input);
            return Result();
        }
        catch (StopFulfillment stop) when (stop.Cancelled)
        {
            await CancelAsync(input, stop.Reason);
            return Result();
        }
        catch (Exception ex) when (TemporalException.IsCanceledException(ex) && Workflow.Patched(Patches.CompleteCompensation))
        {
            // The workflow itself was cancelled (an operator, through Temporal): undo like a CancelOrder, with
            // activities that the cancellation does not reach.
            compensationCancellation = new CancellationTokenSource();
            await CancelAsync(input, "workflow cancelled through Temporal");
            return Result();
        }
        catch (StopFulfillment stop)
        {
            await FailAsync(input.OrderId, stop.Reason);
            return Result();
        }
        catch (ActivityFailureException ex)
        {
            // Unexpected (an illegal transition, an unknown order): undo what was done, record the order as
            // FAILED, and fail the workflow with the original error so that an operator sees it.
            Workflow.Logger.LogError(ex, "Fulfillment of order {OrderId} failed at step {Step}", input.OrderId, state.Step);
            await FailAsync(input.OrderId, $"{state.Step} failed: {ex.InnerException?.Message ?? ex.Message}");
            throw;
        }
    }

    /// <summary>The steps of fulfillment, in order (docs/architecture.md, "An order's path"); each is one method below.</summary>
    private async Task FulfilAsync(FulfillmentInput input)
    {
        var orderId = input.OrderId;
        var options = input.Options ?? new FulfillmentOptions();

        // Decided once, before the first command: orders started before the payment step replay without it.
        withPayment = Workflow.Patched(Patches.PaymentApproval);
        if (withPayment)
        {
            enrichment = await EnrichAsync(input);
        }

        var allocated = await AllocateInventoryAsync(input);
        await MarkOrderReservedAsync(orderId);
        if (withPayment)
        {
            await AwaitPaymentApprovalAsync(input, options.EffectivePayment, allocated);
            await CapturePaymentAsync(input, options.EffectivePayment);
        }
        else if (state.PendingAdditions.Count > 0)
        {
            state = state.RefusePendingAdditions("this order was started before lines could be added");
        }

        await CreatePickWaveAsync(orderId, allocated);
        var pick = await AwaitPickAsync(options.EffectivePickTimeout, allocated);
        if (pick is { IsShort: true } && options.EffectiveShortPick.Policy == ShortPickPolicy.HoldForRestock)
        {
            pick = await AwaitRestockAsync(orderId, allocated, pick, options.EffectiveShortPick, options.ReplenishmentOverdueAfter);
        }

        await ConsumeInventoryAsync(orderId, allocated, pick, options.ReplenishmentOverdueAfter);
        await AwaitPackAsync(options.PackTimeout);
        var shipment = await CreateShipmentAsync(orderId);
        var label = await GenerateShippingLabelAsync(orderId, shipment);
        await ConfirmShipmentAsync(label);
        await MarkOrderShippedAsync(orderId, shipment, label);
        if (Workflow.Patched(Patches.AwaitDelivery))
        {
            await AwaitDeliveryAsync(orderId, options.EffectiveDeliveryTimeout);
        }
        else
        {
            state = state.Finish();
        }
    }

    /// <summary>All-or-nothing reservation (BOM expanded); a shortage fails the order. Release is registered as compensation.</summary>
    private async Task<List<LineItem>> AllocateInventoryAsync(FulfillmentInput input)
    {
        Begin(FulfillmentStep.AllocateInventory);
        AllocationResult allocation;
        try
        {
            allocation = await Workflow.ExecuteActivityAsync(
                (IImsActivities ims) => ims.AllocateInventoryAsync(new AllocateInventoryInput(input.OrderId, input.Lines)),
                ActivityPolicies.Standard());
        }
        catch (ActivityFailureException ex) when (ex.InnerException is ApplicationFailureException { ErrorType: ActivityErrors.InsufficientStock } shortage)
        {
            throw StopFulfillment.Fail($"Insufficient stock: {shortage.Message}");
        }

        Compensate(ActivityNames.ReleaseInventory, reason => Workflow.ExecuteActivityAsync(
            (IImsActivities ims) => ims.ReleaseInventoryAsync(new ReleaseInventoryInput(input.OrderId, reason)),
            CompensationPolicy()));
        return allocation.Allocated.ToList();
    }

    private async Task MarkOrderReservedAsync(string orderId)
    {
        Begin(FulfillmentStep.MarkOrderReserved);
        await Workflow.ExecuteActivityAsync((IOmsActivities oms) => oms.MarkOrderReservedAsync(new OrderRef(orderId)), ActivityPolicies.Standard());
        state = state.OnReserved();
    }

    private async Task CreatePickWaveAsync(string orderId, List<LineItem> allocated)
    {
        Begin(FulfillmentStep.CreatePickWave);
        var wave = await Workflow.ExecuteActivityAsync(
            (IWmsActivities wms) => wms.CreatePickWaveAsync(new CreatePickWaveInput(orderId, allocated)),
            ActivityPolicies.Standard());
        state = state.OnPickWaveCreated(wave.PickWaveId);
    }

    /// <summary>
    /// Waits for PickCompleted (it may have arrived already); the timeout fails the order. The report is
    /// held against the reservation (patched, ADR 0021): one naming more units or unreserved SKUs is
    /// refused and the order waits on for a correct one. Null for orders from before that check.
    /// </summary>
    private async Task<PickAssessment?> AwaitPickAsync(TimeSpan timeout, List<LineItem> allocated)
    {
        Begin(FulfillmentStep.AwaitPick);
        var deadline = Workflow.UtcNow + timeout;
        bool? checkPicks = null;
        while (true)
        {
            var remaining = deadline - Workflow.UtcNow;
            if (remaining <= TimeSpan.Zero || !await WaitForWarehouseAsync(() => state.Pick is not null, remaining))
            {
                throw StopFulfillment.Fail($"No {SignalNames.PickCompleted} within {timeout}");
            }

            checkPicks ??= Workflow.Patched(Patches.ShortPick);
            if (checkPicks is false)
            {
                return null;
            }

            var assessment = PickAssessment.Assess(Reserved(allocated), state.Pick!.Lines);
            if (!assessment.IsRefused)
            {
                return assessment;
            }

            var reason = $"pick report {state.Pick.MessageId} refused: {string.Join(" ", assessment.Refusals)}";
            state = state.OnPickRefused(reason);
            Workflow.Logger.LogWarning("Order {OrderId}: {Reason}", state.OrderId, reason);
        }
    }

    /// <summary>
    /// A short pick under HoldForRestock: replenishment of the short SKUs starts and the order waits for a
    /// restock pick of the missing units. With it, the two picks together go on (still short: what was
    /// picked ships); without it by the deadline, what was picked ships or the order is cancelled (AfterHold).
    /// </summary>
    private async Task<PickAssessment> AwaitRestockAsync(
        string orderId, List<LineItem> allocated, PickAssessment pick, ShortPickOptions shortPick, TimeSpan? replenishmentOverdueAfter)
    {
        var hold = shortPick.EffectiveHoldTimeout;
        var until = Workflow.UtcNow + hold;
        Begin(FulfillmentStep.AwaitRestock);
        state = state.HoldForRestock(pick.Shorted, until, shortPick.AfterHold);
        Workflow.Logger.LogWarning("Order {OrderId}: {BlockingReason}", orderId, state.BlockingReason);
        await StartReplenishmentsAsync(orderId, [.. pick.Shorted.Select(s => s.Sku)], replenishmentOverdueAfter);
        var missing = pick.Shorted.Select(s => new SkuQuantity(s.Sku, s.Shorted)).ToList();
        while (true)
        {
            var remaining = until - Workflow.UtcNow;
            if (remaining <= TimeSpan.Zero || !await WaitForWarehouseAsync(() => state.RestockPick is not null, remaining))
            {
                if (shortPick.AfterHold == AfterHold.Cancel)
                {
                    throw StopFulfillment.Cancel($"No restock pick within {hold} of the short pick");
                }

                Workflow.Logger.LogWarning("Order {OrderId}: no restock pick within {Hold}; what was picked ships", orderId, hold);
                return pick;
            }

            var restock = PickAssessment.Assess(missing, state.RestockPick!.Lines);
            if (!restock.IsRefused)
            {
                var combined = PickAssessment.Assess(Reserved(allocated), [.. pick.Picked, .. restock.Picked]);
                state = state.OnRestockPicked(combined.Shorted);
                return combined;
            }

            var reason = $"restock pick {state.RestockPick.MessageId} refused: {string.Join(" ", restock.Refusals)}";
            state = state.OnRestockPickRefused(reason);
            Workflow.Logger.LogWarning("Order {OrderId}: {Reason}", orderId, reason);
        }
    }

    /// <summary>
    /// Consumes what was picked (the allocation if the report named no lines); SKUs below their reorder
    /// point start a replenishment. A short pick first releases and refunds the missing units
    /// (oms.order-line-shorted), so that what is consumed is what was picked.
    /// </summary>
    private async Task ConsumeInventoryAsync(string orderId, List<LineItem> allocated, PickAssessment? pick, TimeSpan? replenishmentOverdueAfter)
    {
        Begin(FulfillmentStep.ConsumeInventory);
        if (pick is { IsShort: true })
        {
            var shortInput = new ShortOrderLinesInput(
                orderId,
                [.. pick.Shorted.Select(s => new ShortedItem(s.Sku, s.Reserved, s.Picked))],
                $"short pick: {string.Join(", ", pick.Shorted.Select(s => $"{s.Shorted} x {s.Sku}"))}");
            var shorted = await Workflow.ExecuteActivityAsync((IPaymentActivities p) => p.ShortOrderLinesAsync(shortInput), ActivityPolicies.Standard());
            state = state.OnShortShipped(pick.Shorted, shorted.RefundedAmount is { } amount && state.Currency is { } currency ? Money.Of(amount, currency) : null);
            Workflow.Logger.LogWarning("Order {OrderId} ships short ({Refunded} {Currency} refunded)", orderId, shorted.RefundedAmount, shorted.Currency);
        }

        var picked = pick is not null
            ? pick.Picked.Select(l => new LineItem(l.Sku, l.Quantity)).ToList()
            : state.Pick!.Lines.Count > 0
            ? state.Pick.Lines.Select(l => new LineItem(l.Sku, l.Quantity)).ToList()
            : allocated;
        var consumed = await Workflow.ExecuteActivityAsync(
            (IImsActivities ims) => ims.ConsumeInventoryAsync(new ConsumeInventoryInput(orderId, picked)),
            ActivityPolicies.Standard());
        state = state.OnPicked();
        await StartReplenishmentsAsync(orderId, consumed.SkusBelowReorderPoint, replenishmentOverdueAfter);
    }

    /// <summary>
    /// One <see cref="ReplenishmentWorkflow"/> per SKU that fell below its reorder point, abandoned so it
    /// outlives the order. Patched: orders that consumed stock before this existed replay without it.
    /// </summary>
    private static async Task StartReplenishmentsAsync(string orderId, IReadOnlyList<string> skus, TimeSpan? overdueAfter)
    {
        if (skus.Count == 0 || !Workflow.Patched(Patches.StartReplenishment))
        {
            return;
        }

        foreach (var sku in skus)
        {
            try
            {
                await Workflow.StartChildWorkflowAsync(
                    (ReplenishmentWorkflow wf) => wf.RunAsync(new ReplenishmentInput(
                        sku, $"order {orderId} took stock below the reorder point", new ReplenishmentOptions(overdueAfter))),
                    ReplenishmentWorkflow.ChildOptions(sku));
            }
            catch (WorkflowAlreadyStartedException)
            {
                // One replenishment per SKU at a time: the running one already covers this.
            }
        }
    }

    /// <summary>Waits for PackCompleted (null timeout: as long as it takes; the goods are off the shelves).</summary>
    private async Task AwaitPackAsync(TimeSpan? timeout)
    {
        Begin(FulfillmentStep.AwaitPack);
        if (!await WaitForWarehouseAsync(() => state.Pack is not null, timeout))
        {
            throw StopFulfillment.Fail($"No {SignalNames.PackCompleted} within {timeout}");
        }

        state = state.OnPacked();
    }

    /// <summary>A shipment of the packed parcels; cancelling it is registered as compensation.</summary>
    private async Task<ShipmentResult> CreateShipmentAsync(string orderId)
    {
        Begin(FulfillmentStep.CreateShipment);
        var packages = state.Pack!.Parcels.Select(p => new Package(p.PackageId, p.WeightKg)).ToList();
        var shipment = await Workflow.ExecuteActivityAsync(
            (ISmsActivities sms) => sms.CreateShipmentAsync(new CreateShipmentInput(orderId, packages)),
            ActivityPolicies.Standard());
        state = state.OnShipmentCreated(shipment.ShipmentId);
        Compensate(ActivityNames.CancelShipment, reason => Workflow.ExecuteActivityAsync(
            (ISmsActivities sms) => sms.CancelShipmentAsync(new OrderStatusChange(orderId, reason)),
            CompensationPolicy()));
        return shipment;
    }

    private async Task<LabelResult> GenerateShippingLabelAsync(string orderId, ShipmentResult shipment)
    {
        Begin(FulfillmentStep.GenerateShippingLabel);
        var label = await Workflow.ExecuteActivityAsync(
            (ISmsActivities sms) => sms.GenerateShippingLabelAsync(new ShipmentRef(orderId, shipment.ShipmentId)),
            ActivityPolicies.Standard());
        state = state.OnLabelGenerated(label.TrackingNumber);
        return label;
    }

    /// <summary>The point of no return: from here the parcel is the carrier's and cancellation is ignored.</summary>
    private async Task ConfirmShipmentAsync(LabelResult label)
    {
        Begin(FulfillmentStep.ConfirmShipment);
        await Workflow.ExecuteActivityAsync((ISmsActivities sms) => sms.ConfirmShipmentAsync(label), ActivityPolicies.Standard());
    }

    private async Task MarkOrderShippedAsync(string orderId, ShipmentResult shipment, LabelResult label)
    {
        Begin(FulfillmentStep.MarkOrderShipped);
        await Workflow.ExecuteActivityAsync(
            (IOmsActivities oms) => oms.MarkOrderShippedAsync(new MarkOrderShippedInput(orderId, shipment.ShipmentId, label.TrackingNumber)),
            ActivityPolicies.Standard());
        state = state.OnShipped();
        Workflow.Logger.LogInformation("Order {OrderId} shipped as {ShipmentId} ({TrackingNumber})", orderId, shipment.ShipmentId, label.TrackingNumber);
    }

    /// <summary>
    /// Customer profile (needed: retried like any step), inventory snapshot and recommendations (optional:
    /// a few attempts, then the order goes on without them), all three in parallel.
    /// </summary>
    private async Task<OrderEnrichment> EnrichAsync(FulfillmentInput input)
    {
        Begin(FulfillmentStep.Enrich);
        var skus = input.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToList();
        var profile = Workflow.ExecuteActivityAsync(
            (ICustomerActivities c) => c.FetchCustomerProfileAsync(new CustomerRef(input.CustomerId)),
            ActivityPolicies.Standard());
        var snapshot = OptionalAsync(ActivityNames.FetchInventorySnapshot, Workflow.ExecuteActivityAsync(
            (IImsActivities ims) => ims.FetchInventorySnapshotAsync(new InventorySnapshotRequest(skus)),
            ActivityPolicies.BestEffort()));
        var recommendations = OptionalAsync(ActivityNames.FetchRecommendations, Workflow.ExecuteActivityAsync(
            (ICustomerActivities c) => c.FetchRecommendationsAsync(new RecommendationRequest(input.CustomerId, skus)),
            ActivityPolicies.BestEffort()));
        await Workflow.WhenAllAsync(profile, snapshot, recommendations);

        var enriched = new OrderEnrichment(await profile, await snapshot, await recommendations);
        foreach (var line in input.Lines)
        {
            if (enriched.Snapshot?.Items.FirstOrDefault(i => i.Sku == line.Sku) is { } item && item.Available < line.Quantity)
            {
                // Advisory only: reservation decides; this just tells the operator early.
                Workflow.Logger.LogWarning("Order {OrderId}: snapshot shows {Available} of {Sku} available for {Quantity}", input.OrderId, item.Available, line.Sku, line.Quantity);
            }
        }

        return enriched;
    }

    private static async Task<T?> OptionalAsync<T>(string activity, Task<T> call)
        where T : class
    {
        try
        {
            return await call;
        }
        catch (ActivityFailureException ex)
        {
            Workflow.Logger.LogWarning(ex, "Optional {Activity} failed; the order goes on without it", activity);
            return null;
        }
    }

    /// <summary>
    /// Waits for approve-payment (or approves at once with AutoApprove), reserving lines added meanwhile;
    /// a cancel or the approval timeout cancels the order (the saga releases the stock).
    /// </summary>
    private async Task AwaitPaymentApprovalAsync(FulfillmentInput input, PaymentOptions payment, List<LineItem> allocated)
    {
        Begin(FulfillmentStep.AwaitPaymentApproval);
        await Workflow.ExecuteActivityAsync((IOmsActivities oms) => oms.MarkOrderAwaitingPaymentAsync(new OrderRef(input.OrderId)), ActivityPolicies.Standard());
        state = state.OnAwaitingPayment();
        if (payment.AutoApprove)
        {
            (state, _) = state.ReceiveApproval(new PaymentApproval($"auto-approve-{input.OrderId}", "auto-approve"));
        }

        var timeout = payment.EffectiveApprovalTimeout;
        var deadline = Workflow.UtcNow + timeout;
        while (true)
        {
            await ReserveAddedLinesAsync(input.OrderId, allocated);
            if (state.IsCancelRequested)
            {
                throw StopFulfillment.Cancel(state.Cancellation!.Reason);
            }

            if (state.Approval is not null)
            {
                return;
            }

            var remaining = deadline - Workflow.UtcNow;
            var woken = remaining > TimeSpan.Zero && await Workflow.WaitConditionAsync(
                () => state.Approval is not null || state.IsCancelRequested || state.PendingAdditions.Count > 0,
                remaining);
            if (!woken)
            {
                throw StopFulfillment.Cancel($"Payment not approved within {timeout}");
            }
        }
    }

    /// <summary>Each pending addition is reserved (and joins the pick wave) or refused with the reason.</summary>
    private async Task ReserveAddedLinesAsync(string orderId, List<LineItem> allocated)
    {
        while (state.PendingAdditions.Count > 0)
        {
            var addition = state.PendingAdditions[0];
            try
            {
                var added = await Workflow.ExecuteActivityAsync(
                    (IImsActivities ims) => ims.ReserveAddedLineAsync(new ReserveAddedLineInput(orderId, addition.MessageId, addition.Sku, addition.Quantity, addition.UnitPrice)),
                    ActivityPolicies.Standard());
                allocated.AddRange(added.Allocated);
                state = state.OnLineAdded(addition);
                Workflow.Logger.LogInformation("Order {OrderId}: added {Quantity} x {Sku}", orderId, addition.Quantity, addition.Sku);
            }
            catch (ActivityFailureException ex) when (ex.InnerException is ApplicationFailureException { ErrorType: ActivityErrors.InsufficientStock } shortage)
            {
                state = state.OnLineRejected(addition, shortage.Message);
                Workflow.Logger.LogWarning("Order {OrderId}: line {Quantity} x {Sku} refused: {Reason}", orderId, addition.Quantity, addition.Sku, shortage.Message);
            }
        }
    }

    /// <summary>ProcessPayment with bounded retries, then PAID and a best-effort confirmation; refund is registered as compensation.</summary>
    private async Task CapturePaymentAsync(FulfillmentInput input, PaymentOptions payment)
    {
        Begin(FulfillmentStep.ProcessPayment);
        PaymentResult captured;
        var paymentInput = new ProcessPaymentInput(input.OrderId, input.CustomerId, state.Approval!.ApprovedBy, state.Total?.Amount, state.Currency?.Code);
        try
        {
            captured = await Workflow.ExecuteActivityAsync(
                (IPaymentActivities p) => p.ProcessPaymentAsync(paymentInput),
                ActivityPolicies.Payment(payment.EffectiveMaxPaymentAttempts));
        }
        catch (ActivityFailureException ex)
        {
            // A decline captured nothing. Any other failure (attempts or time ran out) may follow an attempt
            // that captured and lost its answer (a restart, a timeout): refund, a no-op when nothing was captured.
            var declined = ex.InnerException is ApplicationFailureException { ErrorType: ActivityErrors.PaymentDeclined };
            if (!declined && Workflow.Patched(Patches.CompleteCompensation))
            {
                CompensateWithRefund(input.OrderId);
            }

            throw StopFulfillment.Fail($"Payment failed: {ex.InnerException?.Message ?? ex.Message}");
        }

        CompensateWithRefund(input.OrderId);
        await Workflow.ExecuteActivityAsync(
            (IOmsActivities oms) => oms.MarkOrderPaidAsync(new MarkOrderPaidInput(input.OrderId, captured.ProviderReference)),
            ActivityPolicies.Standard());
        state = state.OnPaid(captured.ProviderReference);
        await NotifyAsync(
            ActivityNames.SendOrderConfirmation,
            notification => Workflow.ExecuteActivityAsync((INotificationActivities n) => n.SendOrderConfirmationAsync(notification), ActivityPolicies.BestEffort()),
            input,
            $"Order {input.OrderId} is confirmed and paid (payment {captured.ProviderReference}).");
    }

    private void CompensateWithRefund(string orderId) =>
        Compensate(ActivityNames.RefundPayment, reason => Workflow.ExecuteActivityAsync(
            (IPaymentActivities p) => p.RefundPaymentAsync(new OrderStatusChange(orderId, reason)),
            CompensationPolicy()));

    /// <summary>Best-effort: a notification that cannot be sent is logged, never fails the order.</summary>
    private async Task NotifyAsync(string activity, Func<OrderNotification, Task> send, FulfillmentInput input, string message)
    {
        try
        {
            await send(new OrderNotification(input.OrderId, input.CustomerId, enrichment.Profile?.Tier, message, enrichment.Recommendations?.Skus ?? []));
        }
        catch (ActivityFailureException ex)
        {
            Workflow.Logger.LogWarning(ex, "Order {OrderId}: {Activity} failed; the order is not affected", input.OrderId, activity);
        }
    }

    /// <summary>Waits for sms.shipment-delivered (it may have arrived already); COMPLETED, or left SHIPPED after the timeout.</summary>
    private async Task AwaitDeliveryAsync(string orderId, TimeSpan timeout)
    {
        state = state.Begin(FulfillmentStep.AwaitDelivery);
        if (!await Workflow.WaitConditionAsync(() => state.Delivery is not null, timeout))
        {
            Workflow.Logger.LogWarning("Order {OrderId}: no delivery report within {Timeout}; it stays SHIPPED", orderId, timeout);
            state = state.Finish();
            return;
        }

        var deliveredAt = state.Delivery!.DeliveredAt;
        state = state.Begin(FulfillmentStep.MarkOrderCompleted);
        await Workflow.ExecuteActivityAsync(
            (IOmsActivities oms) => oms.MarkOrderCompletedAsync(new MarkOrderCompletedInput(orderId, deliveredAt)),
            ActivityPolicies.Standard());
        state = state.OnCompleted();
        Workflow.Logger.LogInformation("Order {OrderId} delivered at {DeliveredAt}: completed", orderId, deliveredAt);
    }

    /// <summary>Enters a step unless a cancellation is pending, which stops the happy path right here.</summary>
    private void Begin(FulfillmentStep step)
    {
        if (state.IsCancelRequested && state.IsCancellable)
        {
            throw StopFulfillment.Cancel(state.Cancellation!.Reason);
        }

        state = state.Begin(step);
    }

    /// <summary>Waits for a warehouse report, a cancellation, or the timeout (null: no timeout). False on timeout.</summary>
    private async Task<bool> WaitForWarehouseAsync(Func<bool> arrived, TimeSpan? timeout)
    {
        bool Done() => arrived() || state.IsCancelRequested;
        var inTime = true;
        if (timeout is { } limit)
        {
            inTime = await Workflow.WaitConditionAsync(Done, limit);
        }
        else
        {
            await Workflow.WaitConditionAsync(Done);
        }

        if (state.IsCancelRequested)
        {
            throw StopFulfillment.Cancel(state.Cancellation!.Reason);
        }

        return inTime;
    }

    private static List<SkuQuantity> Reserved(List<LineItem> allocated) => [.. allocated.Select(l => new SkuQuantity(l.Sku, l.Quantity))];

    private void Compensate(string name, Func<string, Task> undo) =>
        compensations.Add((name, () => undo(state.OutcomeReason ?? "compensation")));

    /// <summary>Runs the registered compensations newest first (saga).</summary>
    private async Task CompensateAsync(string reason)
    {
        state = state.BeginCompensation(reason);
        for (var i = compensations.Count - 1; i >= 0; i--)
        {
            Workflow.Logger.LogInformation("Order {OrderId}: compensating with {Activity}", state.OrderId, compensations[i].Name);
            try
            {
                await compensations[i].Undo();
            }
            catch (ActivityFailureException ex)
            {
                // Compensations retry until they succeed; one refused for good (an illegal transition) must not
                // keep the others from running. The reconciler reports what is left (ADR 0017).
                Workflow.Logger.LogError(ex, "Order {OrderId}: compensation {Activity} failed for good; the others still run", state.OrderId, compensations[i].Name);
            }
        }

        compensations.Clear();
    }

    private ActivityOptions CompensationPolicy() => OutOfCancellationReach(ActivityPolicies.Compensation());

    /// <summary>After a Temporal cancellation of the workflow, its undo activities run out of the cancellation's reach.</summary>
    private ActivityOptions OutOfCancellationReach(ActivityOptions options)
    {
        if (compensationCancellation is not null)
        {
            options.CancellationToken = compensationCancellation.Token;
        }

        return options;
    }

    /// <summary>Compensations, CANCELLED, and (for orders with the payment step) a best-effort notice.</summary>
    private async Task CancelAsync(FulfillmentInput input, string reason)
    {
        await CompensateAsync(reason);
        await Workflow.ExecuteActivityAsync(
            (IOmsActivities oms) => oms.MarkOrderCancelledAsync(new OrderStatusChange(input.OrderId, reason)),
            CompensationPolicy());
        state = state.OnRefundedInFull().OnCancelled();
        Workflow.Logger.LogInformation("Order {OrderId} cancelled: {Reason}", input.OrderId, reason);
        if (withPayment)
        {
            await NotifyAsync(
                ActivityNames.SendCancellationNotice,
                notification => Workflow.ExecuteActivityAsync((INotificationActivities n) => n.SendCancellationNoticeAsync(notification), OutOfCancellationReach(ActivityPolicies.BestEffort())),
                input,
                $"Order {input.OrderId} was cancelled: {reason}");
        }
    }

    /// <summary>Compensations, then FAILED with the reason.</summary>
    private async Task FailAsync(string orderId, string reason)
    {
        await CompensateAsync(reason);
        await Workflow.ExecuteActivityAsync(
            (IOmsActivities oms) => oms.MarkOrderFailedAsync(new OrderStatusChange(orderId, reason)),
            CompensationPolicy());
        state = state.OnFailed(reason);
        Workflow.Logger.LogWarning("Order {OrderId} failed: {Reason}", orderId, reason);
    }

    private FulfillmentResult Result() =>
        new(state.OrderId, FulfillmentStatus, state.OutcomeReason, state.ShipmentId, state.TrackingNumber);

    /// <summary>Every signal handler: the state's rule decides what the signal does; the outcome is logged.</summary>
    private Task Receive(string signal, string? messageId, Func<FulfillmentState, (FulfillmentState State, SignalDisposition Disposition)> receive)
    {
        ArgumentNullException.ThrowIfNull(messageId, signal);
        (state, var disposition) = receive(state);
        LogSignal(signal, messageId, disposition);
        if (disposition == SignalDisposition.Duplicate)
        {
            WorkflowMetrics.SignalDeduplicated(signal);
        }

        return Task.CompletedTask;
    }

    private void LogSignal(string signal, string messageId, SignalDisposition disposition)
    {
        var level = disposition is SignalDisposition.Accepted or SignalDisposition.Remembered ? LogLevel.Information : LogLevel.Warning;
        Workflow.Logger.Log(
            level,
            "Signal {Signal} {MessageId} for order {OrderId} at step {Step}: {Disposition}",
            signal,
            messageId,
            state.OrderId,
            state.Step,
            disposition);
    }

    /// <summary>What enrichment found; any part may be missing (optional lookups that failed, or older orders).</summary>
    private sealed record OrderEnrichment(CustomerProfile? Profile, InventorySnapshot? Snapshot, Recommendations? Recommendations)
    {
        public static readonly OrderEnrichment None = new(null, null, null);
    }

    /// <summary>Leaves the happy path for a business outcome (cancelled or failed); caught in RunAsync.</summary>
    private sealed class StopFulfillment : Exception
    {
        private StopFulfillment(bool cancelled, string reason)
            : base(reason)
        {
            Cancelled = cancelled;
            Reason = reason;
        }

        public bool Cancelled { get; }

        public string Reason { get; }

        public static StopFulfillment Cancel(string reason) => new(cancelled: true, reason);

        public static StopFulfillment Fail(string reason) => new(cancelled: false, reason);
    }
}
