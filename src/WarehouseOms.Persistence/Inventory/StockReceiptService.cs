using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace WarehouseOms.Persistence.Inventory;

/// <summary>Books stock arriving at the dock (the <c>ims.stock-received</c> message).</summary>
public interface IStockReceiptService
{
    /// <summary>
    /// Adds <paramref name="quantity"/> to the SKU's stock once per <paramref name="receiptId"/>.
    /// Returns true when the receipt was new, false when it had already been booked (a duplicate).
    /// </summary>
    /// <exception cref="StockReceiptRejectedException">The receipt can never be booked (unknown SKU, a kit, non-positive quantity).</exception>
    Task<bool> RecordAsync(string receiptId, string sku, int quantity, CancellationToken cancellationToken = default);
}

/// <summary>A stock receipt that is invalid and will stay invalid: retrying it cannot help.</summary>
public sealed class StockReceiptRejectedException : Exception
{
    public StockReceiptRejectedException()
    {
    }

    public StockReceiptRejectedException(string message)
        : base(message)
    {
    }

    public StockReceiptRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

internal sealed partial class StockReceiptService(WarehouseOmsDbContext db, TimeProvider clock, ILogger<StockReceiptService> logger)
    : IStockReceiptService
{
    public async Task<bool> RecordAsync(string receiptId, string sku, int quantity, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(receiptId))
        {
            throw new StockReceiptRejectedException("receiptId is required.");
        }

        if (string.IsNullOrWhiteSpace(sku))
        {
            throw new StockReceiptRejectedException("sku is required.");
        }

        if (quantity <= 0)
        {
            throw new StockReceiptRejectedException($"quantity must be positive, was {quantity}.");
        }

        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // The row lock on the stock item serialises receipts per SKU; the unique receipt ID makes duplicates no-ops.
        var stock = await db.StockItems
            .FromSql($"SELECT * FROM ims.stock_items WHERE sku = {sku} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (stock is null)
        {
            var isKit = await db.BomComponents.AnyAsync(b => b.KitSku == sku, cancellationToken).ConfigureAwait(false);
            throw new StockReceiptRejectedException(isKit
                ? $"SKU {sku} is a kit; kits are stocked as their components."
                : $"SKU {sku} is unknown to inventory: not registered; publish ims.sku-registered for it, then this receipt again.");
        }

        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO ims.stock_receipts (receipt_id, sku, quantity, received_at)
            VALUES ({receiptId}, {sku}, {quantity}, {now})
            ON CONFLICT (receipt_id) DO NOTHING
            """,
            cancellationToken).ConfigureAwait(false);
        if (inserted == 0)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            LogDuplicate(logger, receiptId, sku);
            return false;
        }

        stock.OnHand += quantity;
        stock.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogRecorded(logger, receiptId, sku, quantity, stock.OnHand);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stock receipt {ReceiptId}: {Quantity} x {Sku} booked, on hand now {OnHand}")]
    private static partial void LogRecorded(ILogger logger, string receiptId, string sku, int quantity, int onHand);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stock receipt {ReceiptId} for {Sku} was already booked; ignored")]
    private static partial void LogDuplicate(ILogger logger, string receiptId, string sku);
}
