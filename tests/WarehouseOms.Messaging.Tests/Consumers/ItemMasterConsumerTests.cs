using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Testing;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>
/// The item master consumers on the MassTransit harness over the real item master on a scratch PostgreSQL
/// database: registrations, kits, retirement, duplicates, and the refusals that go to the error queue.
/// </summary>
public sealed class ItemMasterConsumerTests : IAsyncLifetime
{
    private readonly ScratchDatabase database = new("oms_items_consumer_test");
    private ConsumerHarness h = null!;

    public async Task InitializeAsync()
    {
        await database.CreateAsync();
        h = await ConsumerHarness.StartAsync(
            new Dictionary<string, string?> { ["ConnectionStrings:WarehouseOms"] = database.ConnectionString, ["Persistence:MigrateOnStartup"] = "false" },
            (services, configuration) => services.AddWarehousePersistence(configuration));
        await WarehouseOmsDatabase.MigrateAsync(h.Services, seedDemoData: false);
    }

    public async Task DisposeAsync()
    {
        await h.DisposeAsync();
        await database.DropAsync();
    }

    [Fact]
    public async Task SkuRegistered_NewStockedSkuThenChange_RegisteredWithItsReorderPolicy()
    {
        await RegisterAsync(new SkuRegistered("BOLT-M6", "Bolt M6", 5, 50, null));
        await RegisterAsync(new SkuRegistered("BOLT-M6", "Bolt M6, zinc", 10, 80, null));

        var (item, stock) = await QueryAsync(async db => (
            await db.Items.SingleAsync(i => i.Sku == "BOLT-M6"),
            await db.StockItems.SingleAsync(s => s.Sku == "BOLT-M6")));
        Assert.Equal(("Bolt M6, zinc", false, false), (item.Name, item.IsKit, item.Retired));
        Assert.Equal((0, 10, 80), (stock.OnHand, stock.ReorderPoint, stock.ReorderQuantity));
    }

    [Fact]
    public async Task SkuRegistered_SameContentUnderNewMessageId_UnchangedAndNoFault()
    {
        await RegisterAsync(new SkuRegistered("NUT-M6", "Nut M6", 5, 50, null));
        await RegisterAsync(new SkuRegistered("NUT-M6", "Nut M6", 5, 50, null));

        Assert.Null(await h.FaultOfAsync<SkuRegistered>());
        Assert.Equal(2, await QueryAsync(db => db.ItemMessages.CountAsync(m => m.Sku == "NUT-M6")));
    }

    [Fact]
    public async Task SkuRegistered_SameMessageIdWithOtherContent_ErrorQueueAsConflictingDuplicate()
    {
        var id = NewId.NextGuid();
        await RegisterAsync(new SkuRegistered("WASHER", "Washer", 5, 50, null), id);

        // The harness lists consumed messages by ID, so the second delivery shows as its fault.
        await h.SendAsync(Exchanges.SkuRegistered, new SkuRegistered("WASHER", "Washer", 9, 50, null), id);
        var fault = await Eventually.UntilAsync(
            () => Task.FromResult(h.Harness.Published.Select<Fault<SkuRegistered>>().FirstOrDefault()), f => f is not null, "the fault");

        Assert.Contains("conflicting duplicate", fault!.Context.Message.Exceptions[0].Message, StringComparison.Ordinal);
        Assert.Equal(5, await QueryAsync(db => db.StockItems.Where(s => s.Sku == "WASHER").Select(s => s.ReorderPoint).SingleAsync()));
    }

    [Fact]
    public async Task SkuRegistered_KitThenRedefined_BillOfMaterialsReplaced()
    {
        await RegisterAsync(new SkuRegistered("PART-A", "Part A", 0, 0, null));
        await RegisterAsync(new SkuRegistered("PART-B", "Part B", 0, 0, null));
        await RegisterAsync(new SkuRegistered("KIT-AB", "Kit A+B", null, null, [new("PART-A", 1), new("PART-B", 2)]));
        await RegisterAsync(new SkuRegistered("KIT-AB", "Kit A+B", null, null, [new("PART-B", 3)]));

        var components = await QueryAsync(db => db.BomComponents.Where(b => b.KitSku == "KIT-AB").Select(b => new { b.ComponentSku, b.Quantity }).ToListAsync());
        Assert.Equal([new { ComponentSku = "PART-B", Quantity = 3 }], components);
        Assert.False(await QueryAsync(db => db.StockItems.AnyAsync(s => s.Sku == "KIT-AB")));
    }

    [Fact]
    public async Task SkuRegistered_UnregisteredComponent_RefusedNamingTheMessageThatFixesIt()
    {
        var reason = await RefusedAsync(new SkuRegistered("KIT-X", "Kit X", null, null, [new("GHOST", 1)]));

        Assert.Contains("component GHOST is not registered; publish ims.sku-registered for it first", reason, StringComparison.Ordinal);
        Assert.False(await QueryAsync(db => db.Items.AnyAsync(i => i.Sku == "KIT-X")));
    }

    [Fact]
    public async Task SkuRegistered_KitThatWouldContainItself_RefusedWithTheCycle()
    {
        await RegisterAsync(new SkuRegistered("CORE", "Core", 0, 0, null));
        await RegisterAsync(new SkuRegistered("KIT-INNER", "Inner", null, null, [new("CORE", 1)]));
        await RegisterAsync(new SkuRegistered("KIT-OUTER", "Outer", null, null, [new("KIT-INNER", 1)]));

        var reason = await RefusedAsync(new SkuRegistered("KIT-INNER", "Inner", null, null, [new("KIT-OUTER", 1)]));

        Assert.Contains("cycle: KIT-INNER -> KIT-OUTER -> KIT-INNER", reason, StringComparison.Ordinal);
        Assert.Equal("CORE", await QueryAsync(db => db.BomComponents.Where(b => b.KitSku == "KIT-INNER").Select(b => b.ComponentSku).SingleAsync()));
    }

    [Fact]
    public async Task SkuRegistered_InvalidFields_ErrorQueueWithEveryProblem()
    {
        var reason = await RefusedAsync(new SkuRegistered("BAD\u001bSKU", null, -1, null, [new("A", 0), new("A", 1)]));

        Assert.Contains("sku must be printable text", reason, StringComparison.Ordinal);
        Assert.Contains("components[0].quantity must be a positive number", reason, StringComparison.Ordinal);
        Assert.Contains("components[1].sku A is listed twice", reason, StringComparison.Ordinal);
        Assert.Contains("reorderPoint must be zero or a positive number", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SkuRetired_RegisteredSku_RetiredAndStockUntouched_RegisteringAgainListsIt()
    {
        await RegisterAsync(new SkuRegistered("OLD-LAMP", "Lamp", 1, 10, null));
        await SendAndConsumeAsync(Exchanges.SkuRetired, new SkuRetired("OLD-LAMP"));
        Assert.True(await QueryAsync(db => db.Items.Where(i => i.Sku == "OLD-LAMP").Select(i => i.Retired).SingleAsync()));
        Assert.True(await QueryAsync(db => db.StockItems.AnyAsync(s => s.Sku == "OLD-LAMP")));

        await RegisterAsync(new SkuRegistered("OLD-LAMP", "Lamp", 1, 10, null));

        Assert.False(await QueryAsync(db => db.Items.Where(i => i.Sku == "OLD-LAMP").Select(i => i.Retired).SingleAsync()));
    }

    [Fact]
    public async Task SkuRetired_UnregisteredSku_ErrorQueue()
    {
        await h.SendAsync(Exchanges.SkuRetired, new SkuRetired("NEVER-SEEN"));

        var consumed = await Eventually.UntilAsync(
            () => Task.FromResult(h.Harness.Consumed.Select<SkuRetired>(m => m.Exception is not null).FirstOrDefault()), m => m is not null, "the refusal");
        Assert.Contains("SKU NEVER-SEEN is not registered", consumed!.Exception.Message, StringComparison.Ordinal);
    }

    private Task RegisterAsync(SkuRegistered message, Guid? messageId = null) =>
        SendAndConsumeAsync(Exchanges.SkuRegistered, message, messageId);

    private async Task SendAndConsumeAsync<T>(string exchange, T message, Guid? messageId = null)
        where T : class
    {
        var id = messageId ?? NewId.NextGuid();
        var before = h.Harness.Consumed.Select<T>(m => m.Context.MessageId == id).Count();
        await h.SendAsync(exchange, message, id);
        await Eventually.UntilAsync(() => h.Harness.Consumed.Select<T>(m => m.Context.MessageId == id).Count() > before, $"{exchange} {id} consumed");
        Assert.Null(await h.FaultOfAsync<T>());
    }

    private async Task<string> RefusedAsync(SkuRegistered message, Guid? messageId = null)
    {
        var id = messageId ?? NewId.NextGuid();
        await h.SendAsync(Exchanges.SkuRegistered, message, id);
        // The first consume builds the EF model: wait for it, not for the harness's inactivity timeout.
        var consumed = await Eventually.UntilAsync(
            () => Task.FromResult(h.Harness.Consumed.Select<SkuRegistered>(m => m.Context.MessageId == id && m.Exception is not null).FirstOrDefault()),
            m => m is not null,
            "the refusal");
        Assert.NotNull(await h.FaultOfAsync<SkuRegistered>());
        return consumed!.Exception.Message;
    }

    private async Task<T> QueryAsync<T>(Func<WarehouseOmsDbContext, Task<T>> query)
    {
        await using var scope = h.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>());
    }
}
