using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Workflows;

// Workflow inputs, results and query views. Records only: they are serialized into history.

/// <summary>What the intake workflow returns once the fulfillment child is running.</summary>
public sealed record OrderIntakeResult(string OrderId, string FulfillmentWorkflowId);

public sealed record FulfillmentInput(
    string OrderId,
    string CustomerId,
    IReadOnlyList<LineItem> Lines,
    Address ShipTo,
    FulfillmentOptions? Options = null,
    string? Currency = null);

/// <summary>
/// The outcome of fulfillment. Business outcomes (SHIPPED, CANCELLED, FAILED for a shortage or a pick
/// timeout) complete the workflow normally: OMS holds the order's status and the event went out, so
/// there is nothing for an operator to retry. Only unexpected faults fail the workflow.
/// </summary>
public sealed record FulfillmentResult(string OrderId, string Status, string? Reason, string? ShipmentId, string? TrackingNumber);

/// <summary>Everything the queries expose, in one call (for HTTP / CLI views).</summary>
public sealed record FulfillmentSnapshot(
    string OrderId,
    string Status,
    string CurrentStep,
    string? BlockingReason,
    string? PickWaveId,
    string? ShipmentId,
    string? TrackingNumber,
    bool PickReported,
    bool PackReported,
    bool CancellationRequested,
    string? OutcomeReason,
    IReadOnlyList<LineItem>? Lines = null,
    string? ApprovedBy = null,
    string? PaymentReference = null,
    string? CustomerTier = null,
    IReadOnlyList<string>? RejectedLines = null,
    DateTimeOffset? DeliveredAt = null,
    string? Currency = null,
    decimal? TotalAmount = null,
    decimal? CapturedAmount = null,
    decimal? RefundedAmount = null,
    IReadOnlyList<string>? ShortedLines = null,
    IReadOnlyList<string>? RefusedPicks = null);

/// <summary>Query names are fixed like signal names: HTTP, CLI and non-.NET clients use them.</summary>
public static class QueryNames
{
    /// <summary>Intake: RECEIVED / VALIDATED / CREATED / FAILED.</summary>
    public const string IntakeStatus = "Status";

    public const string FulfillmentStatus = "FulfillmentStatus";
    public const string CurrentStep = "CurrentStep";
    public const string BlockingReason = "BlockingReason";
    public const string Snapshot = "Snapshot";

    // Names the original starter and its clients use (ADR 0010): the order's stage (wire name) and its current lines.
    public const string GetStatus = "get-status";
    public const string GetItems = "get-items";
}
