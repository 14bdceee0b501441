using Microsoft.EntityFrameworkCore;
using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Persistence.History;

/// <summary>Reads of the order read models (HTTP, CLI); untracked, one query each.</summary>
public interface IOrderQueries
{
    Task<OrderSummaryRecord?> FindSummaryAsync(string orderId, CancellationToken cancellationToken = default);

    /// <summary>The order's events in version order; empty when it has none.</summary>
    Task<IReadOnlyList<OrderEventRecord>> GetEventsAsync(string orderId, CancellationToken cancellationToken = default);

    /// <summary>Summaries, most recently changed first, optionally only those in <paramref name="status"/>.</summary>
    Task<IReadOnlyList<OrderSummaryRecord>> ListSummariesAsync(OrderStatus? status, int limit, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="ListSummariesAsync(OrderStatus?, int, CancellationToken)"/>, only orders whose ID or customer ID contains <paramref name="search"/> (any case).</summary>
    Task<IReadOnlyList<OrderSummaryRecord>> ListSummariesAsync(OrderStatus? status, string? search, int limit, CancellationToken cancellationToken = default);
}

internal sealed class EfOrderQueries(WarehouseOmsDbContext db) : IOrderQueries
{
    public Task<OrderSummaryRecord?> FindSummaryAsync(string orderId, CancellationToken cancellationToken = default) =>
        db.OrderSummaries.AsNoTracking().SingleOrDefaultAsync(s => s.OrderId == orderId, cancellationToken);

    public async Task<IReadOnlyList<OrderEventRecord>> GetEventsAsync(string orderId, CancellationToken cancellationToken = default) =>
        await db.OrderEvents.AsNoTracking()
            .Where(e => e.OrderId == orderId)
            .OrderBy(e => e.Version)
            .ToListAsync(cancellationToken).ConfigureAwait(false);

    public Task<IReadOnlyList<OrderSummaryRecord>> ListSummariesAsync(OrderStatus? status, int limit, CancellationToken cancellationToken = default) =>
        ListSummariesAsync(status, null, limit, cancellationToken);

    public async Task<IReadOnlyList<OrderSummaryRecord>> ListSummariesAsync(OrderStatus? status, string? search, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var query = db.OrderSummaries.AsNoTracking();
        if (status is { } wanted)
        {
            query = query.Where(s => s.Status == wanted);
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            // ILIKE with the pattern characters escaped: the search is text, not a pattern.
            var pattern = "%" + search.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            query = query.Where(s => EF.Functions.ILike(s.OrderId, pattern) || (s.CustomerId != null && EF.Functions.ILike(s.CustomerId, pattern)));
        }

        return await query
            .OrderByDescending(s => s.UpdatedAt)
            .ThenBy(s => s.OrderId)
            .Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }
}
