using WarehouseOms.Contracts;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// Carts through RabbitMQ: the first message creates the cart, checkout becomes a real order, and a
/// checkout published right after the adds is processed after them.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class CartFlowTests(ServiceFixture service)
{
    [Fact]
    public async Task CartMessages_DuplicateAddThenImmediateCheckout_CreatesOneOrderWithMergedLines()
    {
        var customerId = $"CUST-{Guid.NewGuid():N}"[..17];
        var requestId = $"CART-{Guid.NewGuid():N}"[..17];
        var add = new { customerId, items = new[] { new { sku = "WIDGET-BLUE", quantity = 2 } } };
        await service.Broker.PublishAsync(Exchanges.CartItemsAdded, add, customerId + "-add-1");
        await service.Broker.PublishAsync(Exchanges.CartItemsAdded, add, customerId + "-add-1"); // redelivered: applied once
        await service.Broker.PublishAsync(Exchanges.CartItemsAdded,
            new { customerId, items = new[] { new { sku = "WIDGET-BLUE", quantity = 1 } } }, customerId + "-add-2");

        // No waiting for the adds: the four cart exchanges share one queue processed in order per
        // customer, so the checkout published right behind them always finds them in the cart.
        await service.Broker.PublishAsync(Exchanges.CartCheckedOut, new
        {
            customerId,
            requestId,
            shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
        }, customerId + "-checkout");

        var orderId = "ord-" + requestId;
        var created = await Eventually.UntilAsync(
            () => Task.FromResult(service.Broker.For(Exchanges.OrderCreated, orderId).FirstOrDefault()),
            m => m is not null,
            $"order-created for {orderId}");

        var line = Assert.Single(created!.Body.GetProperty("lines").EnumerateArray());
        Assert.Equal(("WIDGET-BLUE", 3), (line.GetProperty("sku").GetString(), line.GetProperty("quantity").GetInt32()));
        Assert.Equal(customerId, created.Body.GetProperty("customerId").GetString());
    }
}
