using Microsoft.EntityFrameworkCore;

namespace WarehouseOms.Persistence;

/// <summary>
/// A small demo catalogue: four stocked SKUs and one kit. Seeding is idempotent and never overwrites
/// stock that already exists, so it is safe on every start-up of a development environment.
/// </summary>
public static class DemoCatalog
{
    public const string WidgetRed = "WIDGET-RED";
    public const string WidgetBlue = "WIDGET-BLUE";
    public const string Gadget = "GADGET";
    public const string UsbCable = "CABLE-USB";

    /// <summary>A kit: 1 × WIDGET-RED, 1 × GADGET, 2 × CABLE-USB. Kits have no stock of their own.</summary>
    public const string StarterKit = "KIT-STARTER";

    public static IReadOnlyList<(string Sku, int OnHand, int ReorderPoint, int ReorderQuantity)> Stock { get; } =
    [
        (WidgetRed, 100, 20, 100),
        (WidgetBlue, 50, 10, 50),
        (Gadget, 40, 10, 40),
        (UsbCable, 200, 50, 200),
    ];

    public static IReadOnlyList<(string KitSku, string ComponentSku, int Quantity)> StarterKitComponents { get; } =
    [
        (StarterKit, WidgetRed, 1),
        (StarterKit, Gadget, 1),
        (StarterKit, UsbCable, 2),
    ];

    public static async Task SeedAsync(WarehouseOmsDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        foreach (var (sku, onHand, reorderPoint, reorderQuantity) in Stock)
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO ims.stock_items (sku, on_hand, reserved, reorder_point, reorder_quantity, updated_at)
                VALUES ({sku}, {onHand}, 0, {reorderPoint}, {reorderQuantity}, now())
                ON CONFLICT (sku) DO NOTHING
                """,
                cancellationToken).ConfigureAwait(false);
        }

        foreach (var (kit, component, quantity) in StarterKitComponents)
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO ims.bom_components (kit_sku, component_sku, quantity)
                VALUES ({kit}, {component}, {quantity})
                ON CONFLICT (kit_sku, component_sku) DO NOTHING
                """,
                cancellationToken).ConfigureAwait(false);
        }
    }
}
