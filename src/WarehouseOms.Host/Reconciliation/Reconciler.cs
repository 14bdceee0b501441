using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Npgsql;
using WarehouseOms.Activities;
using WarehouseOms.Activities.Payments;
using WarehouseOms.Messaging;
using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Persistence.Reconciliation;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Host.Reconciliation;

/// <summary>
/// Finds orders whose state and workflow disagree (ADR 0030) and repairs what is safe: stock still reserved
/// for a cancelled or failed order is released, a capture of a cancelled or failed order is refunded, both
/// through the code the workflows' compensations run (<see cref="InventoryRelease"/>, <see cref="PaymentRefunds"/>),
/// with their events and idempotency guards. The rest (a workflow gone or closed under an open order, stock
/// held by a shipped order) is reported: a log line per finding, the counter
/// <c>warehouse_oms.reconciler.findings</c> by kind and outcome, and <see cref="LastRun"/> (<c>GET /reconciliation</c>).
/// One instance runs at a time (a PostgreSQL advisory lock); each check reads a page per run from where the
/// last run stopped.
/// </summary>
public sealed partial class Reconciler
{
    /// <summary>The advisory lock key: "WOMSRECN" as a number, so no other user of advisory locks collides by chance.</summary>
    public const long AdvisoryLockKey = 0x574F_4D53_5245_434E;

    private readonly NpgsqlDataSource dataSource;
    private readonly IServiceScopeFactory scopes;
    private readonly FulfillmentRuns workflows;
    private readonly IOptionsMonitor<ReconcilerOptions> options;
    private readonly TimeProvider clock;
    private readonly ILogger<Reconciler> logger;
    private readonly Counter<long> findings;
    private string? openCursor;
    private string? stockCursor;
    private string? captureCursor;

    public Reconciler(
        NpgsqlDataSource dataSource,
        IServiceScopeFactory scopes,
        FulfillmentRuns workflows,
        IOptionsMonitor<ReconcilerOptions> options,
        TimeProvider clock,
        IMeterFactory meters,
        ILogger<Reconciler> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        this.dataSource = dataSource;
        this.scopes = scopes;
        this.workflows = workflows;
        this.options = options;
        this.clock = clock;
        this.logger = logger;
        findings = meters.Create(MessagingMetrics.MeterName).CreateCounter<long>(
            "warehouse_oms.reconciler.findings", "{finding}", "Orders whose state and workflow disagree, by kind and outcome (repaired, reported, repair-failed)");
    }

    /// <summary>The last completed run; null before the first.</summary>
    public ReconciliationReport? LastRun { get; private set; }

    public ReconcilerOptions Options => options.CurrentValue;

    /// <summary>One run; null when another instance (or a concurrent call) holds the lock and runs instead.</summary>
    public async Task<ReconciliationReport?> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!await AdvisoryAsync(connection, "pg_try_advisory_lock", cancellationToken).ConfigureAwait(false))
        {
            LogSkipped(logger);
            return null;
        }

        try
        {
            var report = await RunLockedAsync(cancellationToken).ConfigureAwait(false);
            LastRun = report;
            LogRun(logger, report.Checked.OpenOrders, report.Checked.OrdersHoldingStock, report.Checked.OrdersWithCapture, report.Findings.Count);
            return report;
        }
        finally
        {
            await AdvisoryAsync(connection, "pg_advisory_unlock", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<ReconciliationReport> RunLockedAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var started = clock.GetUtcNow();
        var untouchedSince = started - settings.MinAge;
        var found = new List<ReconciliationFinding>();
        var notes = new List<string>();

        await using var scope = scopes.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<IReconciliationQueries>();
        var open = await queries.OpenOrdersAsync(openCursor, settings.PageSize, untouchedSince, cancellationToken).ConfigureAwait(false);
        var holding = await queries.OrdersHoldingStockAsync(stockCursor, settings.PageSize, untouchedSince, cancellationToken).ConfigureAwait(false);
        var captured = await queries.OrdersWithCaptureAsync(captureCursor, settings.PageSize, untouchedSince, cancellationToken).ConfigureAwait(false);
        (openCursor, stockCursor, captureCursor) = (open.Next, holding.Next, captured.Next);

        await CheckWorkflowsAsync(open.Candidates, found, notes, cancellationToken).ConfigureAwait(false);
        foreach (var order in holding.Candidates.Where(c => IsClosed(c.Status)))
        {
            if (await ReleaseStockAsync(order, cancellationToken).ConfigureAwait(false) is { } finding)
            {
                found.Add(finding);
            }
        }

        foreach (var order in captured.Candidates.Where(c => c.Status is OrderStatus.Cancelled or OrderStatus.Failed))
        {
            if (await RefundAsync(order, cancellationToken).ConfigureAwait(false) is { } finding)
            {
                found.Add(finding);
            }
        }

        foreach (var finding in found)
        {
            findings.Add(1, new KeyValuePair<string, object?>("kind", finding.Kind), new KeyValuePair<string, object?>("outcome", finding.Outcome));
            LogFinding(logger, LogText.Escape(finding.OrderId), LogText.Escape(finding.WorkflowId), finding.Kind, finding.Outcome, finding.OrderStatus, finding.Detail);
        }

        return new ReconciliationReport(
            started,
            clock.GetUtcNow(),
            new ReconciliationChecked(open.Candidates.Count, holding.Candidates.Count, captured.Candidates.Count),
            found,
            notes);
    }

    /// <summary>
    /// (a) An open order needs its fulfillment running. When it is not, restarting compensation would mean
    /// guessing what the lost workflow had done and was about to do (a pick may be under way, a parcel on its
    /// way): reported only. Once an operator closes the order, the safe repairs below follow on the next run.
    /// </summary>
    private async Task CheckWorkflowsAsync(IEnumerable<OrderCandidate> orders, List<ReconciliationFinding> found, List<string> notes, CancellationToken cancellationToken)
    {
        foreach (var order in orders)
        {
            FulfillmentRun run;
            try
            {
                run = await workflows.DescribeAsync(order.OrderId, cancellationToken).ConfigureAwait(false);
            }
            catch (TemporalUnavailableException ex)
            {
                // Nothing can be said about any workflow now; the next run looks again.
                notes.Add($"workflows not checked: {ex.Message}");
                LogTemporalUnavailable(logger, ex.Message);
                return;
            }

            if (run.Running)
            {
                continue;
            }

            found.Add(run.Status is null
                ? Finding(FindingKinds.WorkflowMissing, order, FindingOutcomes.Reported, $"the order is {Wire(order.Status)} but Temporal knows no workflow {run.WorkflowId}")
                : Finding(FindingKinds.WorkflowClosed, order, FindingOutcomes.Reported, $"the order is {Wire(order.Status)} but workflow {run.WorkflowId} is {run.Status} (closed {run.ClosedAt:O})"));
        }
    }

    /// <summary>(b) Cancelled or failed: the release the compensation should have made. Shipped or completed: reported (was it picked?).</summary>
    private async Task<ReconciliationFinding?> ReleaseStockAsync(OrderCandidate order, CancellationToken cancellationToken)
    {
        if (order.Status is not (OrderStatus.Cancelled or OrderStatus.Failed))
        {
            return Finding(FindingKinds.StockHeldByClosedOrder, order, FindingOutcomes.Reported,
                $"the order is {Wire(order.Status)} and still holds reserved stock: whether it left the shelf is for an operator to check");
        }

        var reason = $"reconciler: the order is {Wire(order.Status)} and still held stock";
        var (released, error) = await RepairAsync(order, FindingKinds.StockHeldByClosedOrder, (change, _) =>
            InventoryRelease.ReleaseHeldAsync(change, order.OrderId, reason, clock.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        return error is not null
            ? Finding(FindingKinds.StockHeldByClosedOrder, order, FindingOutcomes.RepairFailed, $"release failed, tried again next run: {error}")
            : released is null
                ? null // released meanwhile (the workflow's compensation, late): nothing disagrees any more
                : Finding(FindingKinds.StockHeldByClosedOrder, order, FindingOutcomes.Repaired, $"released {released.SkuCount} SKU reservation(s), event {released.MessageId}");
    }

    /// <summary>(c) Cancelled or failed with the payment captured: the refund the compensation should have made (same idempotency key).</summary>
    private async Task<ReconciliationFinding?> RefundAsync(OrderCandidate order, CancellationToken cancellationToken)
    {
        var reason = $"reconciler: the order is {Wire(order.Status)} and its payment was still captured";
        var (refunded, error) = await RepairAsync(order, FindingKinds.CaptureNotRefunded, (change, services) =>
            new PaymentRefunds(services.GetRequiredService<IPaymentProvider>(), clock).RefundRemainingAsync(change, order.OrderId, reason), cancellationToken).ConfigureAwait(false);
        return error is not null
            ? Finding(FindingKinds.CaptureNotRefunded, order, FindingOutcomes.RepairFailed, $"refund failed, tried again next run: {error}")
            : refunded is null
                ? null
                : Finding(FindingKinds.CaptureNotRefunded, order, FindingOutcomes.Repaired, $"refunded {refunded.Amount} of payment {refunded.ProviderReference}");
    }

    /// <summary>
    /// One repair in one transaction of its own (a fresh scope), made by the reconciler: its history events name
    /// it, and its message IDs derive from the order and the kind, so a retry after a lost commit writes nothing twice.
    /// </summary>
    private async Task<(T? Result, string? Error)> RepairAsync<T>(OrderCandidate order, string kind, Func<OrderChange, IServiceProvider, Task<T?>> repair, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var changes = scope.ServiceProvider.GetRequiredService<IOrderChanges>();
            await using var change = await changes.BeginAsync(new ChangeOrigin(Origin, order.OrderId, kind), ChangeSubject.Order(order.OrderId), cancellationToken).ConfigureAwait(false);
            var result = await repair(change, scope.ServiceProvider).ConfigureAwait(false);
            await change.CommitAsync().ConfigureAwait(false);
            return (result, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogRepairFailed(logger, ex, LogText.Escape(order.OrderId), kind);
            return (null, ex.Message);
        }
    }

    /// <summary>The workflow ID the reconciler's changes record (in the history and the outbound headers).</summary>
    public const string Origin = "reconciler";

    private static bool IsClosed(OrderStatus status) => status is OrderStatus.Cancelled or OrderStatus.Failed or OrderStatus.Shipped or OrderStatus.Completed;

    private static string Wire(OrderStatus status) => Persistence.History.OrderStatusText.ToWire(status);

    private static ReconciliationFinding Finding(string kind, OrderCandidate order, string outcome, string detail) =>
        new(kind, order.OrderId, WorkflowIds.OrderFulfillment(order.OrderId), Wire(order.Status), outcome, detail);

    private static async Task<bool> AdvisoryAsync(NpgsqlConnection connection, string function, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = AdvisoryLockKey });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciler: order {OrderId}, workflow {WorkflowId}: {Kind}, {Outcome} (order {OrderStatus}): {Detail}")]
    private static partial void LogFinding(ILogger logger, string orderId, string workflowId, string kind, string outcome, string orderStatus, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciler run: {OpenOrders} open order(s), {OrdersHoldingStock} holding stock, {OrdersWithCapture} with a capture checked; {FindingCount} finding(s)")]
    private static partial void LogRun(ILogger logger, int openOrders, int ordersHoldingStock, int ordersWithCapture, int findingCount);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reconciler: another instance holds the lock; it runs instead")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciler: workflows not checked, Temporal unavailable: {Error}")]
    private static partial void LogTemporalUnavailable(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciler: repair {Kind} of order {OrderId} failed")]
    private static partial void LogRepairFailed(ILogger logger, Exception exception, string orderId, string kind);
}
