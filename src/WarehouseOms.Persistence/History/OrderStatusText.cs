using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Persistence.History;

/// <summary>
/// The stored and wire spelling of <see cref="OrderStatus"/>: its lifecycle stage's wire name
/// (<see cref="OrderStageRules.ToWire"/>, upper-case snake: AWAITING_PAYMENT).
/// </summary>
public static class OrderStatusText
{
    public static IReadOnlyList<string> All { get; } = Enum.GetValues<OrderStatus>().Select(ToWire).ToArray();

    public static string ToWire(OrderStatus status) => status.ToStage().ToWire();

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

    /// <summary>The EF column conversion of oms.orders.status and oms.order_summaries.status.</summary>
    internal static ValueConverter<OrderStatus, string> Converter { get; } = new(v => ToWire(v), v => Parse(v));

    public static OrderStatus Parse(string text) =>
        TryParse(text, out var status) ? status : throw new FormatException($"'{text}' is not an order status ({string.Join(", ", All)}).");
}
