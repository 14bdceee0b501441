namespace WarehouseOms.Domain.Cart;

/// <summary>
/// A customer's cart: quantities by SKU, a version that moves on with every applied change, and the
/// message IDs already applied so that a redelivered message changes nothing. Pure and deterministic,
/// so that the cart workflow can hold it and replay it.
/// </summary>
public sealed class ShoppingCart
{
    // SortedDictionary: a stable, replay-independent order for queries and for the order built at checkout.
    private readonly SortedDictionary<string, int> items = new(StringComparer.Ordinal);
    private readonly ProcessedMessages processed;

    public ShoppingCart(
        string customerId,
        IEnumerable<CartLine>? items = null,
        IEnumerable<string>? processedMessageIds = null,
        long version = 0,
        int dedupeCapacity = ProcessedMessages.DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        CustomerId = customerId;
        Version = version;
        processed = new ProcessedMessages(dedupeCapacity, processedMessageIds);
        foreach (var line in items ?? [])
        {
            if (line.Quantity > 0)
            {
                this.items[line.Sku] = this.items.GetValueOrDefault(line.Sku) + line.Quantity;
            }
        }
    }

    public string CustomerId { get; }

    public long Version { get; private set; }

    public bool IsEmpty => items.Count == 0;

    public IReadOnlyList<CartLine> Items => items.Select(i => new CartLine(i.Key, i.Value)).ToList();

    public IReadOnlyList<string> ProcessedMessageIds => processed.ToList();

    public int QuantityOf(string sku) => items.GetValueOrDefault(sku);

    public bool HasProcessed(string messageId) => processed.Contains(messageId);

    /// <summary>Adds the lines, merging quantities of SKUs already in the cart.</summary>
    public CartChangeOutcome Add(string messageId, IReadOnlyList<CartLine> lines) =>
        Change(messageId, lines, () =>
        {
            foreach (var line in lines)
            {
                items[line.Sku] = checked(items.GetValueOrDefault(line.Sku) + line.Quantity);
            }
        });

    /// <summary>Subtracts the lines; a SKU whose quantity reaches zero leaves the cart. Unknown SKUs are ignored.</summary>
    public CartChangeOutcome Remove(string messageId, IReadOnlyList<CartLine> lines) =>
        Change(messageId, lines, () =>
        {
            foreach (var line in lines)
            {
                if (!items.TryGetValue(line.Sku, out var current))
                {
                    continue;
                }

                if (current > line.Quantity)
                {
                    items[line.Sku] = current - line.Quantity;
                }
                else
                {
                    items.Remove(line.Sku);
                }
            }
        });

    /// <summary>Empties the cart.</summary>
    public CartChangeOutcome Reset(string messageId) => Change(messageId, null, items.Clear);

    /// <summary>
    /// Takes everything in the cart for an order and empties it. Rejected when the cart is empty (an
    /// order needs lines); the message ID is remembered either way. A request ID already checked out
    /// (the same checkout under another message ID) is a duplicate: the cart is not emptied into an
    /// order that will never be created a second time.
    /// </summary>
    public (CartChangeOutcome Outcome, IReadOnlyList<CartLine> Lines) CheckOut(string messageId, string requestId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestId);
        var requestKey = "checkout:" + requestId;
        if (processed.Contains(requestKey))
        {
            processed.TryAdd(messageId);
            return (CartChangeOutcome.Duplicate, []);
        }

        IReadOnlyList<CartLine> taken = [];
        var outcome = Change(messageId, null, () =>
        {
            taken = Items;
            items.Clear();
        }, mustHaveItems: true);
        if (outcome.Disposition == CartChangeDisposition.Applied)
        {
            processed.TryAdd(requestKey);
        }

        return (outcome, taken);
    }

    private CartChangeOutcome Change(string messageId, IReadOnlyList<CartLine>? lines, Action apply, bool mustHaveItems = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        if (processed.Contains(messageId))
        {
            return CartChangeOutcome.Duplicate;
        }

        var reasons = lines is null ? [] : CartLineRules.Check(lines.Select(l => ((string?)l.Sku, (int?)l.Quantity)).ToList());
        if (reasons.Count == 0 && mustHaveItems && IsEmpty)
        {
            reasons = ["cart: is empty."];
        }

        processed.TryAdd(messageId);
        if (reasons.Count > 0)
        {
            return CartChangeOutcome.Rejected(reasons);
        }

        apply();
        Version++;
        return CartChangeOutcome.Applied;
    }
}
