using Microsoft.Extensions.DependencyInjection;
using Temporalio.Testing;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests;

/// <summary>The read-only enrichment activities: customer tier, recommendations, inventory snapshot.</summary>
public sealed class EnrichmentActivitiesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private Task<T> RunCustomerAsync<T>(Func<CustomerActivities, Task<T>> activity) =>
        db.RunAsync(new ActivityCall("order-fulfillment-enrichment", "1"), services => ActivatorUtilities.CreateInstance<CustomerActivities>(services), activity);

    /// <summary>An order straight into oms.orders (status and address do not matter to the enrichment).</summary>
    private Task AddOrderAsync(string customerId, params string[] skus) =>
        db.QueryAsync(async ctx =>
        {
            var orderId = TestIds.Unique("ord");
            var now = DateTimeOffset.UtcNow;
            ctx.Orders.Add(new OrderRecord
            {
                OrderId = orderId,
                RequestId = $"req-{orderId}",
                CustomerId = customerId,
                Status = OrderStatus.Created,
                ShipToName = "Ada",
                ShipToLine1 = "1 Main St",
                ShipToCity = "Springfield",
                ShipToPostalCode = "12345",
                ShipToCountry = "US",
                CreatedAt = now,
                UpdatedAt = now,
                Lines = skus.Select((sku, i) => new OrderLineRecord { OrderId = orderId, LineNumber = i + 1, Sku = sku, Quantity = 1 }).ToList(),
            });
            return await ctx.SaveChangesAsync();
        });

    [Theory]
    [InlineData(0, "STANDARD", 0)]
    [InlineData(1, "STANDARD", 0)]
    [InlineData(3, "STANDARD", 2)]
    [InlineData(4, "SILVER", 3)]
    [InlineData(10, "SILVER", 9)]
    [InlineData(11, "GOLD", 10)]
    [InlineData(14, "GOLD", 13)]
    public async Task FetchCustomerProfile_TierByOrdersBeforeTheCurrentOne(int ordersIncludingCurrent, string tier, int previous)
    {
        var customerId = TestIds.Unique("cust");
        for (var i = 0; i < ordersIncludingCurrent; i++)
        {
            await AddOrderAsync(customerId, "WIDGET-RED");
        }

        await AddOrderAsync(TestIds.Unique("cust"), "WIDGET-RED");

        var profile = await RunCustomerAsync(a => a.FetchCustomerProfileAsync(new CustomerRef(customerId)));

        Assert.Equal(new CustomerProfile(customerId, tier, previous), profile);
    }

    [Fact]
    public async Task FetchRecommendations_RankedByOrdersTogether_ExcludingAskedSkus_AtMostThree()
    {
        var p = TestIds.Unique("sku");
        var (a, b) = ($"{p}-a", $"{p}-b");
        var (x, y, z, w) = ($"{p}-1", $"{p}-2", $"{p}-3", $"{p}-4");
        var unrelated = $"{p}-0";
        await AddOrderAsync("cust-1", a, b, x);   // x: one order (with both asked SKUs)
        await AddOrderAsync("cust-2", a, y);
        await AddOrderAsync("cust-3", b, y, z);   // y: two orders
        await AddOrderAsync("cust-4", a, z);      // z: two orders
        await AddOrderAsync("cust-5", b, w);      // w: one order, sorts after x
        await AddOrderAsync("cust-6", unrelated, x, y, z, w);

        var recommendations = await RunCustomerAsync(r => r.FetchRecommendationsAsync(new RecommendationRequest("cust-9", [a, b])));

        Assert.Equal([y, z, x], recommendations.Skus);
    }

    [Fact]
    public async Task FetchRecommendations_OneSku_RankedByCountThenSku()
    {
        var p = TestIds.Unique("sku");
        var asked = $"{p}-a";
        var (often, sometimes, once) = ($"{p}-3", $"{p}-2", $"{p}-1");
        await AddOrderAsync("cust-1", asked, often, sometimes);
        await AddOrderAsync("cust-2", asked, often, sometimes);
        await AddOrderAsync("cust-3", often, asked);
        await AddOrderAsync("cust-4", once, asked);
        await AddOrderAsync("cust-5", $"{p}-0", often);

        var recommendations = await RunCustomerAsync(r => r.FetchRecommendationsAsync(new RecommendationRequest("cust-9", [asked])));

        Assert.Equal([often, sometimes, once], recommendations.Skus);
    }

    [Fact]
    public async Task FetchRecommendations_SkuOnTwoLinesOfOneOrder_CountsOnce()
    {
        // A line added while awaiting payment can repeat a SKU of the order: still one order together.
        var p = TestIds.Unique("sku");
        var asked = $"{p}-a";
        var (repeated, twice) = ($"{p}-1", $"{p}-2");
        await AddOrderAsync("cust-1", asked, repeated, repeated);
        await AddOrderAsync("cust-2", asked, twice);
        await AddOrderAsync("cust-3", twice, asked);

        var recommendations = await RunCustomerAsync(r => r.FetchRecommendationsAsync(new RecommendationRequest("cust-9", [asked])));

        Assert.Equal([twice, repeated], recommendations.Skus);
    }

    [Fact]
    public async Task FetchRecommendations_NeverOrderedTogether_Empty()
    {
        var p = TestIds.Unique("sku");
        await AddOrderAsync("cust-1", $"{p}-alone");
        await AddOrderAsync("cust-2", $"{p}-x", $"{p}-y");

        var recommendations = await RunCustomerAsync(r => r.FetchRecommendationsAsync(new RecommendationRequest("cust-9", [$"{p}-alone", $"{p}-unknown"])));

        Assert.Empty(recommendations.Skus);
    }

    [Fact]
    public async Task FetchInventorySnapshot_AvailableIsOnHandMinusReserved_UnknownSkusAbsent()
    {
        var p = TestIds.Unique("sku");
        var (plenty, partly, gone) = ($"{p}-a", $"{p}-b", $"{p}-c");
        await db.AddStockAsync(plenty, onHand: 10);
        await db.AddStockAsync(partly, onHand: 10, reserved: 7);
        await db.AddStockAsync(gone, onHand: 4, reserved: 4);
        await db.AddStockAsync($"{p}-not-asked", onHand: 3);

        var snapshot = await db.RunAsync<ImsActivities, InventorySnapshot>(
            ActivityCall.For(TestIds.Unique("ord"), "2"),
            a => a.FetchInventorySnapshotAsync(new InventorySnapshotRequest([gone, plenty, $"{p}-unknown", partly, plenty])));

        Assert.Equal([new SkuAvailability(plenty, 10), new SkuAvailability(partly, 3), new SkuAvailability(gone, 0)], snapshot.Items);
    }
}
