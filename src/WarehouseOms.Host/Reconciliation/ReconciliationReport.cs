namespace WarehouseOms.Host.Reconciliation;

/// <summary>What a finding is about (ADR 0030); the metric's <c>kind</c> tag.</summary>
public static class FindingKinds
{
    /// <summary>An open order whose fulfillment workflow Temporal does not know (never started, or deleted past retention).</summary>
    public const string WorkflowMissing = "workflow-missing";

    /// <summary>An open order whose fulfillment workflow is closed (terminated, timed out, failed) without closing the order.</summary>
    public const string WorkflowClosed = "workflow-closed";

    /// <summary>Stock still reserved for an order that is cancelled, failed, shipped or completed.</summary>
    public const string StockHeldByClosedOrder = "stock-held-by-closed-order";

    /// <summary>A payment still captured for a cancelled or failed order.</summary>
    public const string CaptureNotRefunded = "capture-not-refunded";
}

/// <summary>What the reconciler did about a finding; the metric's <c>outcome</c> tag.</summary>
public static class FindingOutcomes
{
    /// <summary>Repaired through the workflows' own idempotent code (release, refund), with its events.</summary>
    public const string Repaired = "repaired";

    /// <summary>Left for an operator: repairing it would mean guessing.</summary>
    public const string Reported = "reported";

    /// <summary>A safe repair was tried and failed (e.g. the payment provider was down); the next run tries again.</summary>
    public const string RepairFailed = "repair-failed";
}

public sealed record ReconciliationFinding(string Kind, string OrderId, string WorkflowId, string OrderStatus, string Outcome, string Detail);

/// <summary>How many candidates each check looked at in a run (at most a page each).</summary>
public sealed record ReconciliationChecked(int OpenOrders, int OrdersHoldingStock, int OrdersWithCapture);

/// <summary>One run: when, what was looked at, what was found; <see cref="Notes"/> says what could not be checked.</summary>
public sealed record ReconciliationReport(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    ReconciliationChecked Checked,
    IReadOnlyList<ReconciliationFinding> Findings,
    IReadOnlyList<string> Notes);

/// <summary>The <c>GET /reconciliation</c> answer: the settings and the last completed run (null before the first).</summary>
public sealed record ReconciliationView(bool Enabled, TimeSpan Interval, TimeSpan MinAge, ReconciliationReport? LastRun);
