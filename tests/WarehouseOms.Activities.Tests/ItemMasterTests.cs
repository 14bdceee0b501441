using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Exceptions;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests;

/// <summary>The item master (<see cref="IItemCatalog"/>) on real PostgreSQL, and what allocation makes of it.</summary>
public sealed class ItemMasterTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Register_SameMessageIdTwice_SecondIsDuplicate_OtherContentUnderItRefused()
    {
        var sku = TestIds.Unique("sku");
        var messageId = TestIds.Unique("msg");
        var definition = new ItemDefinition(sku, "Thing", 2, 20, []);

        Assert.Equal(ItemChange.Applied, await CatalogAsync(c => c.RegisterAsync(definition, messageId)));
        Assert.Equal(ItemChange.Duplicate, await CatalogAsync(c => c.RegisterAsync(definition, messageId)));
        Assert.Equal(ItemChange.Unchanged, await CatalogAsync(c => c.RegisterAsync(definition, TestIds.Unique("msg"))));
        var error = await Assert.ThrowsAsync<ItemRejectedException>(() => CatalogAsync(c => c.RegisterAsync(definition with { ReorderPoint = 3 }, messageId)));

        Assert.Contains($"conflicting duplicate: message ID {messageId}", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await db.StockAsync(sku)).ReorderPoint);
    }

    [Fact]
    public async Task Register_StockedSkuAsKit_RefusedWithTheReason()
    {
        var sku = TestIds.Unique("sku");
        var part = TestIds.Unique("sku");
        await CatalogAsync(c => c.RegisterAsync(new ItemDefinition(sku, "Thing", 0, 0, []), TestIds.Unique("msg")));
        await CatalogAsync(c => c.RegisterAsync(new ItemDefinition(part, "Part", 0, 0, []), TestIds.Unique("msg")));

        var error = await Assert.ThrowsAsync<ItemRejectedException>(() =>
            CatalogAsync(c => c.RegisterAsync(new ItemDefinition(sku, "Thing", 0, 0, [new(part, 1)]), TestIds.Unique("msg"))));

        Assert.Contains($"SKU {sku} is registered as a stocked item; it cannot become a kit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllocateInventory_RetiredSkuOrKitWithRetiredComponent_RefusedWithTheReason_StockUntouched()
    {
        var sku = TestIds.Unique("sku");
        var kit = TestIds.Unique("kit");
        await CatalogAsync(c => c.RegisterAsync(new ItemDefinition(sku, "Old", 0, 0, []), TestIds.Unique("msg")));
        await CatalogAsync(c => c.RegisterAsync(new ItemDefinition(kit, "Kit", 0, 0, [new(sku, 2)]), TestIds.Unique("msg")));
        await ReceiveAsync(sku, 10);
        Assert.Equal(ItemChange.Applied, await CatalogAsync(c => c.RetireAsync(sku, TestIds.Unique("msg"))));

        foreach (var ordered in new[] { sku, kit })
        {
            var orderId = TestIds.Unique("ord");
            var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
                db.RunAsync<ImsActivities, AllocationResult>(ActivityCall.For(orderId, "1"), a => a.AllocateInventoryAsync(new(orderId, [new LineItem(ordered, 1)]))));

            Assert.Equal(ActivityErrors.InsufficientStock, error.ErrorType);
            Assert.Contains($"SKU {sku}: retired (ims.sku-retired), it takes no new orders.", error.Message, StringComparison.Ordinal);
        }

        var stock = await db.StockAsync(sku);
        Assert.Equal((10, 0), (stock.OnHand, stock.Reserved));
    }

    [Fact]
    public async Task AllocateInventory_NewlyRegisteredAndReceivedSku_Reserved()
    {
        var sku = TestIds.Unique("sku");
        var orderId = TestIds.Unique("ord");
        await CatalogAsync(c => c.RegisterAsync(new ItemDefinition(sku, "New", 1, 5, []), TestIds.Unique("msg")));
        await ReceiveAsync(sku, 4);

        var result = await db.RunAsync<ImsActivities, AllocationResult>(ActivityCall.For(orderId, "1"), a => a.AllocateInventoryAsync(new(orderId, [new LineItem(sku, 4)])));

        Assert.Equal([new LineItem(sku, 4)], result.Allocated);
    }

    [Fact]
    public async Task StockReceipt_UnregisteredSku_ReasonNamesTheMessageThatFixesIt()
    {
        var error = await Assert.ThrowsAsync<StockReceiptRejectedException>(() => ReceiveAsync(TestIds.Unique("sku"), 1));

        Assert.Contains("not registered; publish ims.sku-registered for it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoCatalog_Seeded_RegisteredThroughTheItemMaster()
    {
        await using (var scope = db.Services.CreateAsyncScope())
        {
            await DemoCatalog.SeedAsync(scope.ServiceProvider);
        }

        var items = await db.QueryAsync(ctx => ctx.Items.Where(i => DemoCatalog.Items.Select(d => d.Item.Sku).Contains(i.Sku)).ToListAsync());
        Assert.Equal(5, items.Count);
        Assert.True(items.Single(i => i.Sku == DemoCatalog.StarterKit).IsKit);
        Assert.All(items, i => Assert.Equal("demo-seed-" + i.Sku, i.UpdatedByMessageId));
    }

    private async Task<T> CatalogAsync<T>(Func<IItemCatalog, Task<T>> call)
    {
        await using var scope = db.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<IItemCatalog>());
    }

    private async Task<bool> ReceiveAsync(string sku, int quantity)
    {
        await using var scope = db.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IStockReceiptService>().RecordAsync(TestIds.Unique("rcpt"), sku, quantity);
    }
}
