using Microsoft.EntityFrameworkCore;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Persistence.Reconciliation;

/// <summary>An order the reconciler looks at: its status and when it last changed.</summary>
public sealed record OrderCandidate(string OrderId, OrderStatus Status, DateTimeOffset UpdatedAt);

/// <summary>One page of candidates in order ID order; <see cref="Next"/> is where the next page starts, null after the last.</summary>
public sealed record CandidatePage(IReadOnlyList<OrderCandidate> Candidates, string? Next);

/// <summary>
/// The reconciler's reads (ADR 0030): bounded pages in order ID order, each an index range scan of a
/// partial index that holds only the rows worth a look (open orders, reserved stock, captured payments),
/// so a run costs a page per kind whatever the size of the tables. The caller keeps the cursor.
/// </summary>
public interface IReconciliationQueries
{
    /// <summary>Orders not completed, cancelled or failed (their fulfillment should be running), unchanged since <paramref name="untouchedSince"/>.</summary>
    Task<CandidatePage> OpenOrdersAsync(string? after, int pageSize, DateTimeOffset untouchedSince, CancellationToken cancellationToken);

    /// <summary>Orders that hold reserved stock (ims.reservations in state reserved), unchanged since <paramref name="untouchedSince"/>.</summary>
    Task<CandidatePage> OrdersHoldingStockAsync(string? after, int pageSize, DateTimeOffset untouchedSince, CancellationToken cancellationToken);

    /// <summary>Orders whose payment is captured and not refunded, unchanged since <paramref name="untouchedSince"/>.</summary>
    Task<CandidatePage> OrdersWithCaptureAsync(string? after, int pageSize, DateTimeOffset untouchedSince, CancellationToken cancellationToken);
}

internal sealed class EfReconciliationQueries(WarehouseOmsDbContext db) : IReconciliationQueries
{
    // The partial indexes' filters (WarehouseOmsDbContext) and the queries' (below): the same, so the planner uses the indexes.
    internal const string OpenFilter = "status NOT IN ('COMPLETED', 'CANCELLED', 'FAILED')";
    internal const string ReservedFilter = "state = 'reserved'";
    internal const string CapturedFilter = "status = 'CAPTURED'";

    public Task<CandidatePage> OpenOrdersAsync(string? after, int pageSize, DateTimeOffset untouchedSince, CancellationToken cancellationToken) =>
        PageAsync($"SELECT order_id FROM oms.orders WHERE {OpenFilter}", after, pageSize, untouchedSince, cancellationToken);

    public Task<CandidatePage> OrdersHoldingStockAsync(string? after, int pageSize, DateTimeOffset untouchedSince, CancellationToken cancellationToken) =>
        PageAsync($"SELECT DISTINCT order_id FROM ims.reservations WHERE {ReservedFilter}", after, pageSize, untouchedSince, cancellationToken);

    public Task<CandidatePage> OrdersWithCaptureAsync(string? after, int pageSize, DateTimeOffset untouchedSince, CancellationToken cancellationToken) =>
        PageAsync($"SELECT order_id FROM oms.payments WHERE {CapturedFilter}", after, pageSize, untouchedSince, cancellationToken);

    /// <summary>
    /// The next <paramref name="pageSize"/> order IDs of <paramref name="ofInterest"/> (a constant query whose filter
    /// is a partial index's) after <paramref name="after"/>, with each order's status and last change. Orders
    /// changed since <paramref name="untouchedSince"/> are left out here, not after the page is read: in flight
    /// they would fill the page and the cursor would move past them.
    /// </summary>
    private Task<CandidatePage> PageAsync(string ofInterest, string? after, int pageSize, DateTimeOffset untouchedSince, CancellationToken cancellationToken)
    {
        // ofInterest is one of the constant queries above; the values go in as parameters.
        var sql = $$"""
            WITH page AS (
                SELECT i.order_id FROM ({{ofInterest}} AND order_id > {0}) i
                JOIN oms.orders o ON o.order_id = i.order_id AND o.updated_at <= {2}
                ORDER BY i.order_id LIMIT {1})
            SELECT page.order_id AS "OrderId", o.status AS "Status", o.updated_at AS "UpdatedAt"
            FROM page JOIN oms.orders o ON o.order_id = page.order_id
            ORDER BY page.order_id
            """;
        return PageAsync(db.Database.SqlQueryRaw<Row>(sql, after ?? string.Empty, pageSize, untouchedSince.UtcDateTime), pageSize, cancellationToken);
    }

    /// <remarks>Rows without an oms.orders row (none are made so) are skipped, but still move the cursor on.</remarks>
    private static async Task<CandidatePage> PageAsync(IQueryable<Row> query, int pageSize, CancellationToken cancellationToken)
    {
        var rows = await query.ToListAsync(cancellationToken).ConfigureAwait(false);
        var candidates = rows
            .Where(r => r.Status is not null)
            .Select(r => new OrderCandidate(r.OrderId, OrderStatusText.Parse(r.Status!), r.UpdatedAt ?? DateTimeOffset.MinValue))
            .ToList();
        return new CandidatePage(candidates, rows.Count < pageSize ? null : rows[^1].OrderId);
    }

    private sealed class Row
    {
        public required string OrderId { get; init; }

        public string? Status { get; init; }

        public DateTimeOffset? UpdatedAt { get; init; }
    }
}
