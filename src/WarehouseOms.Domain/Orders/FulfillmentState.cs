using System.Collections.Immutable;
using WarehouseOms.Domain.Inventory;

namespace WarehouseOms.Domain.Orders;

/// <summary>The fulfillment steps, in the order the happy path runs them.</summary>
public enum FulfillmentStep
{
    AllocateInventory,
    MarkOrderReserved,
    CreatePickWave,
    AwaitPick,
    ConsumeInventory,
    AwaitPack,
    CreateShipment,
    GenerateShippingLabel,
    ConfirmShipment,
    MarkOrderShipped,

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

    public FulfillmentStep Step { get; private init; } = FulfillmentStep.AllocateInventory;

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

    /// <summary>Every signal message ID received, so that a redelivered message changes nothing.</summary>
    public ImmutableHashSet<string> SeenMessageIds { get; private init; } = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    public bool IsTerminal => OrderStageRules.IsTerminal(Stage);

    public bool IsCancelRequested => Cancellation is not null;

    /// <summary>Cancellation is honoured until the shipment is being confirmed with the carrier.</summary>
    public bool IsCancellable => !IsTerminal && Step < FulfillmentStep.ConfirmShipment;

    public static FulfillmentState Start(string orderId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        return new FulfillmentState(orderId);
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

    public FulfillmentState OnPickWaveCreated(string pickWaveId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pickWaveId);
        return MoveTo(OrderStage.Picking) with { PickWaveId = pickWaveId };
    }

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

    public FulfillmentState OnShipped() => MoveTo(OrderStage.Shipped) with { Step = FulfillmentStep.Completed, BlockingReason = null };

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
        _ => null,
    };
}
