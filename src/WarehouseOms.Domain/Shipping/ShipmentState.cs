namespace WarehouseOms.Domain.Shipping;

/// <summary>Shipment lifecycle: created, labelled by the carrier, confirmed (handed over); cancellable until confirmed.</summary>
public enum ShipmentState
{
    Created,
    Labelled,
    Confirmed,
    Cancelled,
}

/// <summary>The allowed shipment transitions. Staying in the same state is always allowed (idempotent re-runs).</summary>
public static class ShipmentTransitions
{
    public static bool IsAllowed(ShipmentState from, ShipmentState to) => from == to || (from, to) switch
    {
        (ShipmentState.Created, ShipmentState.Labelled) => true,
        (ShipmentState.Labelled, ShipmentState.Confirmed) => true,
        (ShipmentState.Created, ShipmentState.Cancelled) => true,
        (ShipmentState.Labelled, ShipmentState.Cancelled) => true,
        _ => false,
    };

    /// <summary>Whether the shipment has reached <paramref name="target"/> or a state after it on the happy path.</summary>
    public static bool HasReached(ShipmentState current, ShipmentState target) =>
        current != ShipmentState.Cancelled && target != ShipmentState.Cancelled && current >= target;
}
