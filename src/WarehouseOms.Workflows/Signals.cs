using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Workflows;

// Signal payloads. Each carries the broker message ID: the .NET SDK gives every signal a fresh request
// ID, so a redelivered message would otherwise be a second signal. Workflows de-duplicate by it.

public sealed record PickCompletedSignal(string MessageId, string DeviceId, IReadOnlyList<LineItem> Lines);

public sealed record PackCompletedSignal(string MessageId, string DeviceId, IReadOnlyList<Package> Packages);

public sealed record CancelOrderSignal(string MessageId, string Reason);

public sealed record ApprovePaymentSignal(string MessageId, string ApprovedBy);

public sealed record AddLineItemSignal(string MessageId, string Sku, int Quantity, decimal? UnitPrice = null);

public sealed record ShipmentDeliveredSignal(string MessageId, DateTimeOffset DeliveredAt);

/// <summary>Signal names are fixed: they are recorded in histories and used by non-.NET senders.</summary>
public static class SignalNames
{
    public const string PickCompleted = "PickCompleted";
    public const string PackCompleted = "PackCompleted";
    public const string CancelOrder = "CancelOrder";

    // Names the original starter and payment systems use (ADR 0010).
    public const string ApprovePayment = "approve-payment";
    public const string AddLineItem = "add-line-item";

    public const string ShipmentDelivered = "ShipmentDelivered";
}
