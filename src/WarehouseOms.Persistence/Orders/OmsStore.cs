using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace WarehouseOms.Persistence.Orders;

/// <summary>The SQL of oms.orders, oms.order_lines, oms.order_rejections and oms.payments.</summary>
public sealed class OmsStore(WarehouseOmsDbContext db, CancellationToken cancellationToken)
{
    public Task<OrderRecord?> FindOrderAsync(string orderId) =>
        db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.OrderId == orderId, cancellationToken);

    /// <summary>The order, tracked and locked (<c>FOR UPDATE</c>) until the transaction ends; null when unknown.</summary>
    public Task<OrderRecord?> LockOrderAsync(string orderId) =>
        db.Orders.FromSql($"SELECT * FROM oms.orders WHERE order_id = {orderId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Inserts the order with its lines. False when the order ID or request ID is taken (a concurrent
    /// attempt or another request won): the transaction is then aborted and must be rolled back.
    /// </summary>
    public async Task<bool> TryAddOrderAsync(OrderRecord order)
    {
        db.Orders.Add(order);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>Records a rejected request once; false when the request was already rejected.</summary>
    public async Task<bool> TryAddRejectionAsync(string requestId, string? orderId, IReadOnlyList<string> reasons, DateTimeOffset rejectedAt)
    {
        var list = reasons.ToList();
        return await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO oms.order_rejections (request_id, order_id, reasons, rejected_at)
            VALUES ({requestId}, {orderId}, {list}, {rejectedAt})
            ON CONFLICT (request_id) DO NOTHING
            """,
            cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Appends a line after the order's last one.</summary>
    public Task AppendLineAsync(string orderId, string sku, int quantity, decimal? unitPrice) =>
        db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO oms.order_lines (order_id, line_number, sku, quantity, unit_price)
            SELECT {orderId}, COALESCE(MAX(line_number), 0) + 1, {sku}, {quantity}, {unitPrice} FROM oms.order_lines WHERE order_id = {orderId}
            """,
            cancellationToken);

    /// <summary>The order's lines in line order (those added while awaiting payment last).</summary>
    public Task<List<OrderLineRecord>> LinesAsync(string orderId) =>
        db.OrderLines.AsNoTracking().Where(l => l.OrderId == orderId).OrderBy(l => l.LineNumber).ToListAsync(cancellationToken);

    public Task<PaymentRecord?> FindPaymentAsync(string orderId) =>
        db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.OrderId == orderId, cancellationToken);

    /// <summary>The order's payment, tracked and locked until the transaction ends; null when there is none.</summary>
    public Task<PaymentRecord?> LockPaymentAsync(string orderId) =>
        db.Payments.FromSql($"SELECT * FROM oms.payments WHERE order_id = {orderId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    /// <summary>Records the order's captured payment once; false when it already has a payment.</summary>
    public async Task<bool> TryAddCapturedPaymentAsync(
        string orderId, string providerReference, string approvedBy, DateTimeOffset capturedAt, decimal? amount, string? currency) =>
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO oms.payments (order_id, status, provider_reference, approved_by, captured_at, amount, currency)
            VALUES ({orderId}, 'CAPTURED', {providerReference}, {approvedBy}, {capturedAt}, {amount}, {currency})
            ON CONFLICT (order_id) DO NOTHING
            """,
            cancellationToken).ConfigureAwait(false) == 1;

    public Task<int> CountOrdersOfCustomerAsync(string customerId) =>
        db.Orders.AsNoTracking().CountAsync(o => o.CustomerId == customerId, cancellationToken);

    /// <summary>
    /// The SKUs most often ordered together with <paramref name="skus"/>, by other orders: ranked by the
    /// number of orders they share (not line pairs, so an order holding two of the given SKUs, or a SKU on
    /// two lines after a line addition, counts once).
    /// </summary>
    public async Task<IReadOnlyList<string>> BoughtTogetherAsync(IReadOnlyCollection<string> skus, int limit)
    {
        var array = skus.ToArray();
        return await db.Database.SqlQuery<string>(
            $"""
            SELECT other.sku AS "Value"
            FROM oms.order_lines bought
            JOIN oms.order_lines other ON other.order_id = bought.order_id AND other.sku <> ALL({array})
            WHERE bought.sku = ANY({array})
            GROUP BY other.sku
            ORDER BY count(DISTINCT other.order_id) DESC, other.sku
            LIMIT {limit}
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
    }
}
