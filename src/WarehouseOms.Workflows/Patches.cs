namespace WarehouseOms.Workflows;

/// <summary>
/// Patch IDs for <c>Workflow.Patched</c>: each names a change to workflow code that running workflows
/// must still replay without. Recorded in histories, so never renamed or reused.
/// </summary>
public static class Patches
{
    /// <summary>Fulfillment starts a replenishment for SKUs that fell below their reorder point.</summary>
    public const string StartReplenishment = "start-replenishment";

    /// <summary>
    /// Payment approval (ADR 0010): parallel enrichment before reservation, then wait for payment approval (lines may be
    /// added meanwhile), capture the payment and notify; refund on compensation.
    /// </summary>
    public const string PaymentApproval = "payment-approval";

    /// <summary>A shipped order waits for sms.shipment-delivered and becomes COMPLETED.</summary>
    public const string AwaitDelivery = "await-delivery";

    /// <summary>
    /// Intake: an order ID that already belongs to another request is answered with oms.order-rejected
    /// naming that request (before: the intake only failed, with an error log line).
    /// </summary>
    public const string RejectConflictingOrder = "reject-conflicting-order";

    /// <summary>
    /// Saga completeness (ADR 0017): a payment that failed other than by a decline may have been captured by an
    /// attempt whose answer was lost, so the failure path refunds (a no-op when nothing was captured); a
    /// Temporal cancellation of the workflow compensates and marks the order CANCELLED.
    /// </summary>
    public const string CompleteCompensation = "complete-compensation";

    /// <summary>
    /// Fulfillment holds a pick report against the reservation (ADR 0021): one that names more units or
    /// unreserved SKUs is refused; a short pick ships what was picked (refund, oms.order-line-shorted) or
    /// holds the order for a restock pick, per <see cref="ShortPickOptions"/>. Before: every pick consumed
    /// the whole reservation.
    /// </summary>
    public const string ShortPick = "short-pick";
}
