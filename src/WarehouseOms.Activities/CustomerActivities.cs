using Temporalio.Activities;
using WarehouseOms.Persistence.Changes;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>Read-only enrichment from the order history in oms.*; nothing here changes state.</summary>
public sealed class CustomerActivities(IOrderChanges changes) : ICustomerActivities
{
    public const int SilverFromOrders = 3;
    public const int GoldFromOrders = 10;
    public const int MaxRecommendations = 3;

    [Activity(ActivityNames.FetchCustomerProfile)]
    public async Task<CustomerProfile> FetchCustomerProfileAsync(CustomerRef customer)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var orders = await changes.Read().Oms.CountOrdersOfCustomerAsync(customer.CustomerId);

        // The order being fulfilled is already in OMS: the tier is earned by the ones before it.
        var previous = Math.Max(orders - 1, 0);
        var tier = previous >= GoldFromOrders ? "GOLD" : previous >= SilverFromOrders ? "SILVER" : "STANDARD";
        return new CustomerProfile(customer.CustomerId, tier, previous);
    }

    /// <summary>The SKUs most often ordered together with the given ones (see <see cref="OmsStore.BoughtTogetherAsync"/>).</summary>
    [Activity(ActivityNames.FetchRecommendations)]
    public async Task<Recommendations> FetchRecommendationsAsync(RecommendationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var together = await changes.Read().Oms.BoughtTogetherAsync(request.Skus.ToArray(), MaxRecommendations);
        return new Recommendations(together);
    }
}
