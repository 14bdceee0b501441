using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Persistence.Outbox;

namespace WarehouseOms.Activities.Tests;

public sealed class PersistenceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Migrations_AppliedSchema_MatchesModel()
    {
        var pendingChanges = await db.QueryAsync(ctx => Task.FromResult(ctx.Database.HasPendingModelChanges()));
        var pendingMigrations = await db.QueryAsync(ctx => ctx.Database.GetPendingMigrationsAsync());

        Assert.False(pendingChanges, "The model changed without a migration.");
        Assert.Empty(pendingMigrations);
    }

    [Fact]
    public async Task Migrations_IdempotentScript_MatchesCommittedFile()
    {
        var generated = await db.QueryAsync(ctx => Task.FromResult(
            ctx.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent)));
        var committed = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "warehouse_oms.sql"));

        Assert.Equal(Normalize(generated), Normalize(committed));

        static string Normalize(string sql) => sql.ReplaceLineEndings("\n").Trim();
    }

    [Fact]
    public void DeterministicGuid_Rfc9562Vector_MatchesVersion5()
    {
        var dns = new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        Assert.Equal(new Guid("2ed6657d-e927-568b-95e1-2665a8aea6a2"), DeterministicGuid.Create(dns, "www.example.com"));
        Assert.Equal(DeterministicGuid.Create(dns, "a"), DeterministicGuid.Create(dns, "a"));
        Assert.NotEqual(DeterministicGuid.Create(dns, "a"), DeterministicGuid.Create(dns, "b"));
    }

    [Fact]
    public async Task StockReceipt_RecordedTwice_AddsStockOnce()
    {
        var sku = TestIds.Unique("sku");
        var receiptId = TestIds.Unique("rcpt");
        await db.AddStockAsync(sku, onHand: 5);

        var first = await ReceiveAsync(receiptId, sku, 50);
        var second = await ReceiveAsync(receiptId, sku, 50);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(55, (await db.StockAsync(sku)).OnHand);
    }

    [Fact]
    public async Task StockReceipt_KitOrUnknownSkuOrBadQuantity_Rejected()
    {
        var kit = TestIds.Unique("kit");
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 1);
        await db.AddKitAsync(kit, (sku, 2));

        var kitError = await Assert.ThrowsAsync<StockReceiptRejectedException>(() => ReceiveAsync(TestIds.Unique("rcpt"), kit, 1));
        var unknownError = await Assert.ThrowsAsync<StockReceiptRejectedException>(() => ReceiveAsync(TestIds.Unique("rcpt"), "NO-SUCH-SKU", 1));
        await Assert.ThrowsAsync<StockReceiptRejectedException>(() => ReceiveAsync(TestIds.Unique("rcpt"), sku, 0));

        Assert.Contains("kit", kitError.Message, StringComparison.Ordinal);
        Assert.Contains("unknown", unknownError.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await db.StockAsync(sku)).OnHand);
    }

    [Fact]
    public async Task Outbox_AddWithoutTransaction_Throws()
    {
        await using var scope = db.Services.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();

        await Assert.ThrowsAsync<InvalidOperationException>(() => outbox.AddAsync("x.y", new { orderId = "o" }, Guid.NewGuid()));
    }

    [Fact]
    public async Task DemoCatalog_SeededTwice_KeepsExistingStock()
    {
        await SeedAsync();
        await db.QueryAsync(ctx => ctx.Database.ExecuteSqlAsync($"UPDATE ims.stock_items SET on_hand = 7 WHERE sku = {DemoCatalog.Gadget}"));

        await SeedAsync();

        Assert.Equal(7, (await db.StockAsync(DemoCatalog.Gadget)).OnHand);
        Assert.Equal(3, await db.QueryAsync(ctx => ctx.BomComponents.CountAsync(b => b.KitSku == DemoCatalog.StarterKit)));
    }

    private async Task SeedAsync()
    {
        await using var scope = db.Services.CreateAsyncScope();
        await DemoCatalog.SeedAsync(scope.ServiceProvider);
    }

    private async Task<bool> ReceiveAsync(string receiptId, string sku, int quantity)
    {
        await using var scope = db.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IStockReceiptService>().RecordAsync(receiptId, sku, quantity);
    }
}
