using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using WarehouseOms.Domain.Inventory;

namespace WarehouseOms.Persistence.Inventory;

/// <summary>The item master: registers, redefines and retires SKUs (<c>ims.sku-registered</c>, <c>ims.sku-retired</c>).</summary>
public interface IItemCatalog
{
    /// <summary>
    /// Registers <paramref name="definition"/> or updates the SKU to it (a kit's bill of materials is replaced:
    /// orders allocated afterwards use the new one). A registration of a retired SKU lists it again.
    /// </summary>
    /// <exception cref="ItemRejectedException">The definition breaks a rule (unregistered or retired component, a cycle,
    /// a change of kind), or <paramref name="messageId"/> was already used for other content.</exception>
    Task<ItemChange> RegisterAsync(ItemDefinition definition, string messageId, CancellationToken cancellationToken = default);

    /// <summary>Retires <paramref name="sku"/>: new orders for it are refused; stock and open orders are untouched.</summary>
    /// <exception cref="ItemRejectedException">The SKU is not registered, or the message ID was used for other content.</exception>
    Task<ItemChange> RetireAsync(string sku, string messageId, CancellationToken cancellationToken = default);
}

/// <summary>What an item master message did.</summary>
public enum ItemChange
{
    /// <summary>The SKU was registered, changed or retired.</summary>
    Applied,

    /// <summary>The item master already said this (same content under another message ID): nothing changed.</summary>
    Unchanged,

    /// <summary>This message ID was applied before with the same content (a redelivery): nothing changed.</summary>
    Duplicate,
}

/// <summary>An item master message that can never be applied as it is; the reasons say why.</summary>
public sealed class ItemRejectedException : Exception
{
    public ItemRejectedException()
    {
    }

    public ItemRejectedException(string message)
        : base(message)
    {
    }

    public ItemRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

internal sealed partial class ItemCatalog(WarehouseOmsDbContext db, TimeProvider clock, ILogger<ItemCatalog> logger) : IItemCatalog
{
    // Every item master change holds this transaction lock: a kit's cycle check sees every other kit as committed.
    private const long ItemMasterLock = 0x1745_6d61_7374_6572;

    public async Task<ItemChange> RegisterAsync(ItemDefinition definition, string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        var components = definition.Components.OrderBy(c => c.Sku, StringComparer.Ordinal).ToList();
        var content = definition.IsKit
            ? $"kit|{definition.Sku}|{definition.Name}|{string.Join(",", components.Select(c => $"{c.Sku}={c.Quantity}"))}"
            : $"stocked|{definition.Sku}|{definition.Name}|{definition.ReorderPoint.ToString(CultureInfo.InvariantCulture)}|{definition.ReorderQuantity.ToString(CultureInfo.InvariantCulture)}";

        return await ChangeAsync(definition.Sku, messageId, "registered", content, async (item, now) =>
        {
            var referenced = await db.Items.AsNoTracking()
                .Where(i => components.Select(c => c.Sku).Contains(i.Sku))
                .Select(i => new RegisteredItem(i.Sku, i.IsKit, i.Retired))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var bom = await new ImsStore(db, cancellationToken).LoadBillOfMaterialsAsync().ConfigureAwait(false);
            var problems = ItemMasterRules.Check(definition, item is null ? null : new RegisteredItem(item.Sku, item.IsKit, item.Retired), referenced, bom);
            if (problems.Count > 0)
            {
                throw new ItemRejectedException($"SKU {definition.Sku} cannot be registered: {string.Join("; ", problems)}");
            }

            if (item is not null && !item.Retired && item.Name == definition.Name && await SameAsync(definition, components, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (item is null)
            {
                db.Items.Add(new ItemRecord { Sku = definition.Sku, Name = definition.Name, IsKit = definition.IsKit, RegisteredAt = now, UpdatedAt = now, UpdatedByMessageId = messageId });
            }
            else
            {
                item.Name = definition.Name;
                item.Retired = false;
                item.UpdatedAt = now;
                item.UpdatedByMessageId = messageId;
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            if (definition.IsKit)
            {
                await db.BomComponents.Where(b => b.KitSku == definition.Sku).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                db.BomComponents.AddRange(components.Select(c => new BomComponentRecord { KitSku = definition.Sku, ComponentSku = c.Sku, Quantity = c.Quantity }));
            }
            else
            {
                await db.Database.ExecuteSqlAsync(
                    $"""
                    INSERT INTO ims.stock_items (sku, on_hand, reserved, reorder_point, reorder_quantity, updated_at)
                    VALUES ({definition.Sku}, 0, 0, {definition.ReorderPoint}, {definition.ReorderQuantity}, {now})
                    ON CONFLICT (sku) DO UPDATE SET reorder_point = EXCLUDED.reorder_point, reorder_quantity = EXCLUDED.reorder_quantity, updated_at = EXCLUDED.updated_at
                    """,
                    cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<ItemChange> RetireAsync(string sku, string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sku);
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        return ChangeAsync(sku, messageId, "retired", $"retired|{sku}", (item, now) =>
        {
            if (item is null)
            {
                throw new ItemRejectedException($"SKU {sku} is not registered; there is nothing to retire.");
            }

            if (item.Retired)
            {
                return Task.FromResult(false);
            }

            item.Retired = true;
            item.UpdatedAt = now;
            item.UpdatedByMessageId = messageId;
            return Task.FromResult(true);
        }, cancellationToken);
    }

    /// <summary>
    /// One item master change in one transaction under the item master lock: the message is recorded by ID
    /// (a redelivery is a <see cref="ItemChange.Duplicate"/>, other content under a used ID is refused), then
    /// <paramref name="apply"/> changes the SKU's row (tracked; null when new) and says whether anything changed.
    /// </summary>
    private async Task<ItemChange> ChangeAsync(
        string sku, string messageId, string kind, string content, Func<ItemRecord?, DateTimeOffset, Task<bool>> apply, CancellationToken cancellationToken)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ItemMasterLock})", cancellationToken).ConfigureAwait(false);

        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO ims.item_messages (message_id, sku, kind, content_hash, received_at)
            VALUES ({messageId}, {sku}, {kind}, {hash}, {now})
            ON CONFLICT (message_id) DO NOTHING
            """,
            cancellationToken).ConfigureAwait(false);
        if (inserted == 0)
        {
            var earlier = await db.ItemMessages.AsNoTracking().SingleAsync(m => m.MessageId == messageId, cancellationToken).ConfigureAwait(false);
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            if (earlier.ContentHash != hash)
            {
                throw new ItemRejectedException(
                    $"conflicting duplicate: message ID {messageId} was already used by an ims.sku-{earlier.Kind} message for SKU {earlier.Sku} with other content; publish a change under a new message ID.");
            }

            LogDuplicate(logger, messageId, sku);
            return ItemChange.Duplicate;
        }

        var item = await db.Items.SingleOrDefaultAsync(i => i.Sku == sku, cancellationToken).ConfigureAwait(false);
        var changed = await apply(item, now).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogChange(logger, sku, kind, messageId, changed);
        return changed ? ItemChange.Applied : ItemChange.Unchanged;
    }

    private async Task<bool> SameAsync(ItemDefinition definition, IReadOnlyList<SkuQuantity> components, CancellationToken cancellationToken)
    {
        if (definition.IsKit)
        {
            var current = await db.BomComponents.AsNoTracking()
                .Where(b => b.KitSku == definition.Sku)
                .OrderBy(b => b.ComponentSku)
                .Select(b => new SkuQuantity(b.ComponentSku, b.Quantity))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return current.SequenceEqual(components);
        }

        var stock = await db.StockItems.AsNoTracking().SingleOrDefaultAsync(s => s.Sku == definition.Sku, cancellationToken).ConfigureAwait(false);
        return stock is not null && stock.ReorderPoint == definition.ReorderPoint && stock.ReorderQuantity == definition.ReorderQuantity;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Item master: SKU {Sku} {Kind} by message {MessageId} (changed: {Changed})")]
    private static partial void LogChange(ILogger logger, string sku, string kind, string messageId, bool changed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Item master message {MessageId} for SKU {Sku} was already applied; duplicate ignored")]
    private static partial void LogDuplicate(ILogger logger, string messageId, string sku);
}
