using System.Collections.Immutable;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Pricing;

namespace WarehouseOms.Domain.Orders;

/// <summary>The fulfillment steps, in the order the happy path runs them.</summary>
public enum FulfillmentStep
{
    /// <summary>Customer profile, inventory snapshot and recommendations, fetched in parallel.</summary>
    Enrich,
    AllocateInventory,
    MarkOrderReserved,
    AwaitPaymentApproval,
    ProcessPayment,
    CreatePickWave,
    AwaitPick,

    /// <summary>A short pick under <see cref="ShortPickPolicy.HoldForRestock"/>: waiting for a restock pick of the missing units.</summary>
    AwaitRestock,
    ConsumeInventory,
    AwaitPack,
    CreateShipment,
    GenerateShippingLabel,
    ConfirmShipment,
    MarkOrderShipped,
    AwaitDelivery,
    MarkOrderCompleted,

    /// <summary>Undoing completed steps after a cancellation, a failure or a timeout.</summary>
    Compensating,

    /// <summary>Nothing left to do: the order reached a terminal stage.</summary>
    Completed,
}

/// <summary>The warehouse reports that every pick task of the order is done.</summary>
public sealed record PickReport(string MessageId, string DeviceId, IReadOnlyList<SkuQuantity> Lines);

public sealed record PackedParcel(string PackageId, decimal WeightKg);

/// <summary>A packing station reports the order packed into these parcels.</summary>
public sealed record PackReport(string MessageId, string DeviceId, IReadOnlyList<PackedParcel> Parcels);

public sealed record CancelRequest(string MessageId, string Reason);

/// <summary>Payments approved the order (payments.payment-approved, or automatic approval).</summary>
public sealed record PaymentApproval(string MessageId, string ApprovedBy);

/// <summary>A line to add while the order waits for payment approval (oms.order-line-added); priced orders' lines carry a unit price.</summary>
public sealed record LineAddition(string MessageId, string Sku, int Quantity, decimal? UnitPrice = null);

/// <summary>The carrier reports the parcel delivered (sms.shipment-delivered).</summary>
public sealed record DeliveryReport(string MessageId, DateTimeOffset DeliveredAt);

/// <summary>A line addition that could not be applied, and why (e.g. no stock for it).</summary>
public sealed record RejectedLine(LineAddition Addition, string Reason);

/// <summary>What receiving a report did to the state. Every outcome but Accepted/Remembered changes nothing.</summary>
public enum SignalDisposition
{
    /// <summary>Arrived while its step was waiting (or later steps will use it right away).</summary>
    Accepted,

    /// <summary>Arrived before its step (e.g. pack before pick, pick before the wave): kept and applied when the step comes.</summary>
    Remembered,

    /// <summary>The same message ID was received before (broker redelivery).</summary>
    Duplicate,

    /// <summary>A report of this kind was already accepted under another message ID; the first one wins.</summary>
    AlreadyReported,

    /// <summary>The order reached a terminal stage; nothing can change it any more.</summary>
    IgnoredAfterEnd,

    /// <summary>A cancellation after the shipment was handed over for confirmation.</summary>
    TooLateToCancel,

    /// <summary>A line addition after payment processing began: the order's content is fixed.</summary>
    TooLateToChange,

    /// <summary>The message contradicts the order (a price that does not fit it); recorded with the reason, nothing applied.</summary>
    Refused,
}

/// <summary>
/// The fulfillment workflow's state as an immutable value: every transition is a pure method returning a
/// new state, so the rules (ordering, duplicates, terminal stages) are unit-tested without Temporal.
/// </summary>
public sealed record FulfillmentState
{
    private FulfillmentState(string orderId) => OrderId = orderId;

    public string OrderId { get; }

    public OrderStage Stage { get; private init; } = OrderStage.Created;

    public FulfillmentStep Step { get; private init; } = FulfillmentStep.Enrich;

    /// <summary>Why the order is not moving right now (waiting for the warehouse, compensating ...); null when it is.</summary>
    public string? BlockingReason { get; private init; }

    public string? PickWaveId { get; private init; }

    public string? ShipmentId { get; private init; }

    public string? TrackingNumber { get; private init; }

    /// <summary>Why the order failed or was cancelled.</summary>
    public string? OutcomeReason { get; private init; }

    public PickReport? Pick { get; private init; }

    public PackReport? Pack { get; private init; }

    public CancelRequest? Cancellation { get; private init; }

    /// <summary>The order's lines as they stand, including lines added while awaiting payment.</summary>
    public ImmutableList<SkuQuantity> Lines { get; private init; } = [];

    public PaymentApproval? Approval { get; private init; }

    /// <summary>Line additions received but not yet reserved (or refused) by the workflow.</summary>
    public ImmutableList<LineAddition> PendingAdditions { get; private init; } = [];

    public ImmutableList<RejectedLine> RejectedLines { get; private init; } = [];

    public string? PaymentReference { get; private init; }

    public DeliveryReport? Delivery { get; private init; }

    /// <summary>The order's currency; null for an unpriced order (no amounts anywhere).</summary>
    public Currency? Currency { get; private init; }

    /// <summary>The priced lines (with lines added while awaiting payment); empty for an unpriced order.</summary>
    public ImmutableList<PricedLine> PricedLines { get; private init; } = [];

    /// <summary>What the payment step captured; null before it or without prices.</summary>
    public Money? Captured { get; private init; }

    /// <summary>What was refunded of <see cref="Captured"/> so far (short picks).</summary>
    public Money? Refunded { get; private init; }

    /// <summary>The reserved units the warehouse could not pick (after a restock pick, if any).</summary>
    public ImmutableList<ShortedLine> Shortage { get; private init; } = [];

    /// <summary>A second pick report while the order is held for restock: the missing units.</summary>
    public PickReport? RestockPick { get; private init; }

    /// <summary>Pick reports refused (more than reserved, a SKU not reserved), with the reason.</summary>
    public ImmutableList<string> RefusedPicks { get; private init; } = [];

    /// <summary>The order total (lines added while awaiting payment included); null without prices.</summary>
    public Money? Total => Currency is { } currency ? OrderPricing.Total(currency, PricedLines) : null;

    /// <summary>Every signal message ID received, so that a redelivered message changes nothing.</summary>
    public ImmutableHashSet<string> SeenMessageIds { get; private init; } = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    public bool IsTerminal => OrderStageRules.IsTerminal(Stage);

    public bool IsCancelRequested => Cancellation is not null;

    /// <summary>Cancellation is honoured until the shipment is being confirmed with the carrier.</summary>
    public bool IsCancellable => !IsTerminal && Step < FulfillmentStep.ConfirmShipment;

    public static FulfillmentState Start(string orderId) => Start(orderId, []);

    public static FulfillmentState Start(string orderId, IEnumerable<SkuQuantity> lines)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        ArgumentNullException.ThrowIfNull(lines);
        return new FulfillmentState(orderId) { Lines = [.. lines] };
    }

    /// <summary>The order is priced in <paramref name="currency"/> at these lines' unit prices.</summary>
    public FulfillmentState WithPrices(Currency currency, IEnumerable<PricedLine> lines)
    {
        ArgumentNullException.ThrowIfNull(currency);
        ArgumentNullException.ThrowIfNull(lines);
        return this with { Currency = currency, PricedLines = [.. lines] };
    }

    /// <summary>Enters <paramref name="step"/>. Steps only move forward, and never after the end.</summary>
    public FulfillmentState Begin(FulfillmentStep step)
    {
        if (IsTerminal)
        {
            throw new InvalidOperationException($"Order {OrderId} is {Stage.ToWire()}; step {step} cannot begin.");
        }

        if (step < Step)
        {
            throw new InvalidOperationException($"Order {OrderId} is at step {Step}; step {step} lies behind it.");
        }

        return this with { Step = step, BlockingReason = BlockingReasonFor(step) };
    }

    public FulfillmentState OnReserved() => MoveTo(OrderStage.Reserved);

    public FulfillmentState OnAwaitingPayment() => MoveTo(OrderStage.AwaitingPayment);

    /// <summary>The payment is captured under <paramref name="paymentReference"/>.</summary>
    public FulfillmentState OnPaid(string paymentReference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(paymentReference);
        return Approval is null
            ? throw new InvalidOperationException($"Order {OrderId} was not approved; it cannot be paid.")
            : MoveTo(OrderStage.Paid) with { PaymentReference = paymentReference, Captured = Total, Refunded = Total is { } t ? Money.Zero(t.Currency) : null };
    }

    /// <summary>The pending addition is reserved and part of the order now.</summary>
    public FulfillmentState OnLineAdded(LineAddition addition)
    {
        ArgumentNullException.ThrowIfNull(addition);
        return this with
        {
            PendingAdditions = PendingAdditions.Remove(addition),
            Lines = Lines.Add(new SkuQuantity(addition.Sku, addition.Quantity)),
            PricedLines = Currency is { } currency && addition.UnitPrice is { } price
                ? PricedLines.Add(new PricedLine(addition.Sku, addition.Quantity, Money.Of(price, currency)))
                : PricedLines,
        };
    }

    /// <summary>The pending addition could not be applied; the order goes on without it.</summary>
    public FulfillmentState OnLineRejected(LineAddition addition, string reason)
    {
        ArgumentNullException.ThrowIfNull(addition);
        return this with
        {
            PendingAdditions = PendingAdditions.Remove(addition),
            RejectedLines = RejectedLines.Add(new RejectedLine(addition, reason)),
        };
    }

    public FulfillmentState OnPickWaveCreated(string pickWaveId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pickWaveId);
        return MoveTo(OrderStage.Picking) with { PickWaveId = pickWaveId };
    }

    /// <summary>The pick report contradicts the reservation: it is dropped (the order waits for a correct one) and the reason kept.</summary>
    public FulfillmentState OnPickRefused(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return this with { Pick = null, RefusedPicks = RefusedPicks.Add(reason) };
    }

    /// <summary>The restock pick contradicts the shortage: dropped, the order keeps waiting for one that fits.</summary>
    public FulfillmentState OnRestockPickRefused(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return this with { RestockPick = null, RefusedPicks = RefusedPicks.Add(reason) };
    }

    /// <summary>
    /// A short pick under <see cref="ShortPickPolicy.HoldForRestock"/>: the order waits (step
    /// <see cref="FulfillmentStep.AwaitRestock"/>) for a restock pick of the missing units until <paramref name="until"/>.
    /// </summary>
    public FulfillmentState HoldForRestock(IReadOnlyList<ShortedLine> shortage, DateTimeOffset until, AfterHold afterHold)
    {
        ArgumentNullException.ThrowIfNull(shortage);
        var next = Begin(FulfillmentStep.AwaitRestock);
        var missing = string.Join(", ", shortage.Select(s => $"{s.Shorted} x {s.Sku} (picked {s.Picked} of {s.Reserved})"));
        var then = afterHold == AfterHold.Cancel ? "then the order is cancelled with a refund" : "then what was picked ships";
        return next with
        {
            Shortage = [.. shortage],
            BlockingReason = $"Held for restock: short {missing}; waiting for a restock pick (wms.pick-completed) until {until:u}, {then}",
        };
    }

    /// <summary>The restock pick was accepted: what is still missing after it (nothing, usually).</summary>
    public FulfillmentState OnRestockPicked(IReadOnlyList<ShortedLine> stillShort)
    {
        ArgumentNullException.ThrowIfNull(stillShort);
        return this with { Shortage = [.. stillShort], BlockingReason = null };
    }

    /// <summary>The order ships short of <paramref name="shortage"/>, and <paramref name="refund"/> (null: unpriced) went back to the customer.</summary>
    public FulfillmentState OnShortShipped(IReadOnlyList<ShortedLine> shortage, Money? refund)
    {
        ArgumentNullException.ThrowIfNull(shortage);
        return this with
        {
            Shortage = [.. shortage],
            Refunded = Refunded is { } already && refund is { } more ? already.Plus(more) : Refunded,
        };
    }

    /// <summary>Everything still captured was refunded (cancellation).</summary>
    public FulfillmentState OnRefundedInFull() => this with { Refunded = Captured };

    /// <summary>The accepted pick is applied (stock consumed): the order is picked.</summary>
    public FulfillmentState OnPicked() =>
        Pick is null
            ? throw new InvalidOperationException($"Order {OrderId} has no pick report to apply.")
            : MoveTo(OrderStage.Picked);

    public FulfillmentState OnPacked() =>
        Pack is null
            ? throw new InvalidOperationException($"Order {OrderId} has no pack report to apply.")
            : MoveTo(OrderStage.Packed);

    public FulfillmentState OnShipmentCreated(string shipmentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(shipmentId);
        return this with { ShipmentId = shipmentId };
    }

    public FulfillmentState OnLabelGenerated(string trackingNumber)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(trackingNumber);
        return this with { TrackingNumber = trackingNumber };
    }

    /// <summary>Handed to the carrier. <see cref="Finish"/> ends here for orders that do not wait for delivery.</summary>
    public FulfillmentState OnShipped() => MoveTo(OrderStage.Shipped) with { BlockingReason = null };

    public FulfillmentState OnCompleted() =>
        Delivery is null
            ? throw new InvalidOperationException($"Order {OrderId} has no delivery report to apply.")
            : MoveTo(OrderStage.Completed) with { Step = FulfillmentStep.Completed, BlockingReason = null };

    /// <summary>Nothing left to do (a shipped order whose delivery is not awaited, or no longer).</summary>
    public FulfillmentState Finish() => this with { Step = FulfillmentStep.Completed, BlockingReason = null };

    /// <summary>Completed steps are being undone; queries say why.</summary>
    public FulfillmentState BeginCompensation(string reason) =>
        IsTerminal
            ? throw new InvalidOperationException($"Order {OrderId} is {Stage.ToWire()}; nothing to compensate.")
            : this with { Step = FulfillmentStep.Compensating, BlockingReason = $"Compensating: {reason}", OutcomeReason = reason };

    public FulfillmentState OnFailed(string reason) =>
        MoveTo(OrderStage.Failed) with { Step = FulfillmentStep.Completed, BlockingReason = null, OutcomeReason = reason };

    public FulfillmentState OnCancelled() =>
        MoveTo(OrderStage.Cancelled) with
        {
            Step = FulfillmentStep.Completed,
            BlockingReason = null,
            OutcomeReason = Cancellation?.Reason ?? OutcomeReason,
        };

    public (FulfillmentState State, SignalDisposition Disposition) ReceivePick(PickReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (Screen(report.MessageId) is { } screened)
        {
            return screened;
        }

        var seen = this with { SeenMessageIds = SeenMessageIds.Add(report.MessageId) };
        if (Pick is not null && Step == FulfillmentStep.AwaitRestock && RestockPick is null)
        {
            return (seen with { RestockPick = report }, SignalDisposition.Accepted);
        }

        if (Pick is not null)
        {
            return (seen, SignalDisposition.AlreadyReported);
        }

        var disposition = Step >= FulfillmentStep.AwaitPick ? SignalDisposition.Accepted : SignalDisposition.Remembered;
        return (seen with { Pick = report }, disposition);
    }

    public (FulfillmentState State, SignalDisposition Disposition) ReceivePack(PackReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (Screen(report.MessageId) is { } screened)
        {
            return screened;
        }

        var seen = this with { SeenMessageIds = SeenMessageIds.Add(report.MessageId) };
        if (Pack is not null)
        {
            return (seen, SignalDisposition.AlreadyReported);
        }

        var disposition = Step >= FulfillmentStep.AwaitPack ? SignalDisposition.Accepted : SignalDisposition.Remembered;
        return (seen with { Pack = report }, disposition);
    }

    public (FulfillmentState State, SignalDisposition Disposition) ReceiveCancel(CancelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Screen(request.MessageId) is { } screened)
        {
            return screened;
        }

        var seen = this with { SeenMessageIds = SeenMessageIds.Add(request.MessageId) };
        if (!IsCancellable)
        {
            return (seen, SignalDisposition.TooLateToCancel);
        }

        if (Cancellation is not null)
        {
            return (seen, SignalDisposition.AlreadyReported);
        }

        return (seen with { Cancellation = request, BlockingReason = $"Cancellation requested: {request.Reason}" }, SignalDisposition.Accepted);
    }

    public (FulfillmentState State, SignalDisposition Disposition) ReceiveApproval(PaymentApproval approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        if (Screen(approval.MessageId) is { } screened)
        {
            return screened;
        }

        var seen = this with { SeenMessageIds = SeenMessageIds.Add(approval.MessageId) };
        if (Approval is not null)
        {
            return (seen, SignalDisposition.AlreadyReported);
        }

        var disposition = Step >= FulfillmentStep.AwaitPaymentApproval ? SignalDisposition.Accepted : SignalDisposition.Remembered;
        return (seen with { Approval = approval }, disposition);
    }

    /// <summary>Lines can be added until payment processing begins; the workflow reserves them while it waits.</summary>
    public (FulfillmentState State, SignalDisposition Disposition) ReceiveLineAddition(LineAddition addition)
    {
        ArgumentNullException.ThrowIfNull(addition);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(addition.Quantity);
        if (Screen(addition.MessageId) is { } screened)
        {
            return screened;
        }

        var seen = this with { SeenMessageIds = SeenMessageIds.Add(addition.MessageId) };
        if (Step > FulfillmentStep.AwaitPaymentApproval || IsCancelRequested)
        {
            return (seen, SignalDisposition.TooLateToChange);
        }

        if (OrderPricing.CheckAddition(Currency?.Code, addition.UnitPrice) is { } priceProblem)
        {
            return (seen with { RejectedLines = RejectedLines.Add(new RejectedLine(addition, priceProblem)) }, SignalDisposition.Refused);
        }

        var disposition = Step == FulfillmentStep.AwaitPaymentApproval ? SignalDisposition.Accepted : SignalDisposition.Remembered;
        return (seen with { PendingAdditions = PendingAdditions.Add(addition) }, disposition);
    }

    public (FulfillmentState State, SignalDisposition Disposition) ReceiveDelivery(DeliveryReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (Screen(report.MessageId) is { } screened)
        {
            return screened;
        }

        var seen = this with { SeenMessageIds = SeenMessageIds.Add(report.MessageId) };
        if (Delivery is not null)
        {
            return (seen, SignalDisposition.AlreadyReported);
        }

        var disposition = Step >= FulfillmentStep.AwaitDelivery ? SignalDisposition.Accepted : SignalDisposition.Remembered;
        return (seen with { Delivery = report }, disposition);
    }

    /// <summary>Pending additions are refused (the payment step is past, or the order runs without one).</summary>
    public FulfillmentState RefusePendingAdditions(string reason) =>
        PendingAdditions.Aggregate(this, (state, addition) => state.OnLineRejected(addition, reason));

    private (FulfillmentState, SignalDisposition)? Screen(string messageId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        if (SeenMessageIds.Contains(messageId))
        {
            return (this, SignalDisposition.Duplicate);
        }

        return IsTerminal ? (this with { SeenMessageIds = SeenMessageIds.Add(messageId) }, SignalDisposition.IgnoredAfterEnd) : null;
    }

    private FulfillmentState MoveTo(OrderStage stage) => this with { Stage = OrderStageRules.Move(Stage, stage) };

    private string? BlockingReasonFor(FulfillmentStep step) => step switch
    {
        FulfillmentStep.AwaitPick => $"Waiting for the warehouse to complete picking (pick wave {PickWaveId})",
        FulfillmentStep.AwaitPack => "Waiting for the packing station to report the order packed",
        FulfillmentStep.AwaitPaymentApproval => "Waiting for payment approval (payments.payment-approved)",
        FulfillmentStep.AwaitDelivery => $"Waiting for the carrier to report delivery (tracking {TrackingNumber})",
        _ => null,
    };
}
