namespace WarehouseOms.Domain.Replenishment;

/// <summary>Where a replenishment of one SKU stands.</summary>
public enum ReplenishmentStage
{
    /// <summary>The workflow started; the request is not written yet.</summary>
    Started,

    /// <summary>ims.replenishment-requested went out; waiting for the stock.</summary>
    Requested,

    /// <summary>No stock within the allowed time; ims.replenishment-overdue went out; still waiting.</summary>
    Overdue,

    /// <summary>Stock for the SKU arrived.</summary>
    Received,
}

/// <summary>A stock receipt that answers a replenishment.</summary>
public sealed record ReplenishmentReceipt(string MessageId, string ReceiptId, int Quantity);

/// <summary>
/// The rules of one replenishment, pure so the workflow can replay it: a receipt for the SKU completes it
/// whatever the stage (even before the request went out, or after escalation); only the first receipt
/// counts; escalation happens at most once and never after the stock arrived.
/// </summary>
public sealed record ReplenishmentState(
    string Sku,
    ReplenishmentStage Stage,
    DateTimeOffset? RequestedAt,
    DateTimeOffset? EscalatedAt,
    ReplenishmentReceipt? Receipt)
{
    public static ReplenishmentState Start(string sku)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sku);
        return new(sku, ReplenishmentStage.Started, null, null, null);
    }

    public bool IsReceived => Receipt is not null;

    public ReplenishmentState OnRequested(DateTimeOffset at) =>
        IsReceived ? this with { RequestedAt = at } : this with { Stage = ReplenishmentStage.Requested, RequestedAt = at };

    /// <summary>True when the overdue escalation must be emitted now.</summary>
    public bool ShouldEscalate => !IsReceived && Stage == ReplenishmentStage.Requested;

    public ReplenishmentState OnEscalated(DateTimeOffset at) =>
        ShouldEscalate ? this with { Stage = ReplenishmentStage.Overdue, EscalatedAt = at } : this;

    /// <summary>Applies a receipt; false when it changes nothing (a duplicate or a later receipt).</summary>
    public (ReplenishmentState State, bool Accepted) OnReceived(ReplenishmentReceipt receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        if (IsReceived || receipt.Quantity <= 0)
        {
            return (this, false);
        }

        return (this with { Stage = ReplenishmentStage.Received, Receipt = receipt }, true);
    }
}
