using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence.Inventory;

namespace WarehouseOms.Persistence;

/// <summary>
/// A small demo catalogue: four stocked SKUs and one kit, registered through the item master
/// (<see cref="IItemCatalog"/>, as <c>ims.sku-registered</c> does) and stocked by a receipt each
/// (<see cref="IStockReceiptService"/>, as <c>ims.stock-received</c> does). Seeding is idempotent (fixed
/// message and receipt IDs) and leaves alone a SKU that something else registered, so it is safe on
/// every start-up of a development environment.
/// </summary>
public static class DemoCatalog
{
    public const string WidgetRed = "WIDGET-RED";
    public const string WidgetBlue = "WIDGET-BLUE";
    public const string Gadget = "GADGET";
    public const string UsbCable = "CABLE-USB";

    /// <summary>A kit: 1 × WIDGET-RED, 1 × GADGET, 2 × CABLE-USB. Kits have no stock of their own.</summary>
    public const string StarterKit = "KIT-STARTER";

    public static IReadOnlyList<(ItemDefinition Item, int OnHand)> Items { get; } =
    [
        (Stocked(WidgetRed, "Widget, red", 20, 100), 100),
        (Stocked(WidgetBlue, "Widget, blue", 10, 50), 50),
        (Stocked(Gadget, "Gadget", 10, 40), 40),
        (Stocked(UsbCable, "USB cable", 50, 200), 200),
        (new ItemDefinition(StarterKit, "Starter kit", 0, 0, [new(WidgetRed, 1), new(Gadget, 1), new(UsbCable, 2)]), 0),
    ];

    /// <summary>Registers and stocks the catalogue with the item master and receipt services of <paramref name="services"/> (a scope).</summary>
    public static async Task SeedAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var db = services.GetRequiredService<WarehouseOmsDbContext>();
        var catalog = services.GetRequiredService<IItemCatalog>();
        var receipts = services.GetRequiredService<IStockReceiptService>();
        foreach (var (item, onHand) in Items)
        {
            var seedId = "demo-seed-" + item.Sku;
            var seededBefore = await db.ItemMessages.AnyAsync(m => m.MessageId == seedId, cancellationToken).ConfigureAwait(false);
            if (!seededBefore && await db.Items.AnyAsync(i => i.Sku == item.Sku, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            await catalog.RegisterAsync(item, seedId, cancellationToken).ConfigureAwait(false);
            if (onHand > 0)
            {
                await receipts.RecordAsync(seedId, item.Sku, onHand, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static ItemDefinition Stocked(string sku, string name, int reorderPoint, int reorderQuantity) =>
        new(sku, name, reorderPoint, reorderQuantity, []);
}
