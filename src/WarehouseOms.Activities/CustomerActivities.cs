using Microsoft.EntityFrameworkCore;
using Temporalio.Activities;
using WarehouseOms.Persistence;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>Read-only enrichment from the order history in oms.*; nothing here changes state.</summary>
public sealed class CustomerActivities(WarehouseOmsDbContext db) : ICustomerActivities
{
    public const int SilverFromOrders = 3;
    public const int GoldFromOrders = 10;
    public const int MaxRecommendations = 3;

    [Activity(ActivityNames.FetchCustomerProfile)]
    public async Task<CustomerProfile> FetchCustomerProfileAsync(CustomerRef customer)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var orders = await db.Orders.AsNoTracking().CountAsync(o => o.CustomerId == customer.CustomerId, ActivityExecutionContext.Current.CancellationToken);

        // The order being fulfilled is already in OMS: the tier is earned by the ones before it.
        var previous = Math.Max(orders - 1, 0);
        var tier = previous >= GoldFromOrders ? "GOLD" : previous >= SilverFromOrders ? "SILVER" : "STANDARD";
        return new CustomerProfile(customer.CustomerId, tier, previous);
    }

    /// <summary>
    /// The SKUs most often ordered together with the given ones, by other orders: ranked by the number of
    /// orders they share (not line pairs, so an order holding two of the given SKUs, or a SKU on two
    /// lines after a line addition, counts once).
    /// </summary>
    [Activity(ActivityNames.FetchRecommendations)]
    public async Task<Recommendations> FetchRecommendationsAsync(RecommendationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var skus = request.Skus.ToArray();
        var together = await db.Database.SqlQuery<string>(
            $"""
            SELECT other.sku AS "Value"
            FROM oms.order_lines bought
            JOIN oms.order_lines other ON other.order_id = bought.order_id AND other.sku <> ALL({skus})
            WHERE bought.sku = ANY({skus})
            GROUP BY other.sku
            ORDER BY count(DISTINCT other.order_id) DESC, other.sku
            LIMIT {MaxRecommendations}
            """).ToListAsync(ActivityExecutionContext.Current.CancellationToken);
        return new Recommendations(together);
    }
}
