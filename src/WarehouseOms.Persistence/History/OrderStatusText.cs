using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Persistence.History;

/// <summary>The stored and wire spelling of <see cref="OrderStatus"/>: upper-case snake (AWAITING_PAYMENT).</summary>
public static class OrderStatusText
{
    public static IReadOnlyList<string> All { get; } = Enum.GetValues<OrderStatus>().Select(ToWire).ToArray();

    public static string ToWire(OrderStatus status) => WarehouseOmsDbContext.ToSnakeCase(status.ToString()).ToUpperInvariant();

    /// <summary>
    /// Accepts the wire name or the enum name in any case (<c>AWAITING_PAYMENT</c>, <c>awaitingPayment</c>);
    /// unlike <see cref="Enum.TryParse{TEnum}(string?, bool, out TEnum)"/>, never numbers or flag combinations.
    /// </summary>
    public static bool TryParse(string? text, out OrderStatus status)
    {
        foreach (var candidate in Enum.GetValues<OrderStatus>())
        {
            if (string.Equals(text, ToWire(candidate), StringComparison.OrdinalIgnoreCase)
                || string.Equals(text, candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    public static OrderStatus Parse(string text) =>
        TryParse(text, out var status) ? status : throw new FormatException($"'{text}' is not an order status ({string.Join(", ", All)}).");
}
