using System.Globalization;
using WarehouseOms.Contracts;

namespace WarehouseOms.Cli.Messages;

/// <summary>Builds the inbound message of each command, addressed to its fanout exchange (Exchanges.cs).</summary>
public static class InboundMessages
{
    public static OutgoingMessage OrderSubmitted(OrderSubmitted order) => OutgoingMessage.For(Exchanges.OrderSubmitted, order);

    public static OutgoingMessage PaymentApproved(string orderId, string approvedBy) =>
        OutgoingMessage.For(Exchanges.PaymentApproved, new PaymentApproved(orderId, approvedBy));

    public static OutgoingMessage CancellationRequested(string orderId, string reason) =>
        OutgoingMessage.For(Exchanges.OrderCancellationRequested, new OrderCancellationRequested(orderId, reason));

    public static OutgoingMessage LineAdded(string orderId, string sku, int quantity, decimal? unitPrice = null) =>
        OutgoingMessage.For(Exchanges.OrderLineAdded, new OrderLineAdded(orderId, sku, quantity, unitPrice));

    public static OutgoingMessage PickCompleted(string orderId, string deviceId, IReadOnlyList<OrderLine> lines) =>
        OutgoingMessage.For(Exchanges.PickCompleted, new PickCompleted(orderId, deviceId, lines));

    /// <summary>Sample parcels "PKG-{orderId}-{n}" of equal weight.</summary>
    public static OutgoingMessage PackCompleted(string orderId, string deviceId, int packageCount, decimal weightKg)
    {
        var packages = Enumerable.Range(1, packageCount)
            .Select(n => new PackageInfo($"PKG-{orderId}-{n.ToString(CultureInfo.InvariantCulture)}", weightKg))
            .ToList();
        return OutgoingMessage.For(Exchanges.PackCompleted, new PackCompleted(orderId, deviceId, packages));
    }

    public static OutgoingMessage ShipmentDelivered(string orderId, DateTimeOffset deliveredAt) =>
        OutgoingMessage.For(Exchanges.ShipmentDelivered, new ShipmentDelivered(orderId, deliveredAt));

    public static OutgoingMessage CartItemsAdded(string customerId, IReadOnlyList<OrderLine> items) =>
        OutgoingMessage.For(Exchanges.CartItemsAdded, new CartItemsAdded(customerId, items));

    public static OutgoingMessage CartItemsRemoved(string customerId, IReadOnlyList<OrderLine> items) =>
        OutgoingMessage.For(Exchanges.CartItemsRemoved, new CartItemsRemoved(customerId, items));

    public static OutgoingMessage CartReset(string customerId) => OutgoingMessage.For(Exchanges.CartReset, new CartReset(customerId));

    /// <summary>Checkout ships to the sample address; the order it creates is "ord-{requestId}".</summary>
    public static OutgoingMessage CartCheckedOut(string customerId, string requestId) =>
        OutgoingMessage.For(Exchanges.CartCheckedOut, new CartCheckedOut(customerId, requestId, SampleOrders.ShipTo));

    public static OutgoingMessage SkuRegistered(string sku, string name, int reorderPoint, int reorderQuantity, IReadOnlyList<SkuComponent>? components) =>
        OutgoingMessage.For(Exchanges.SkuRegistered, new SkuRegistered(sku, name, reorderPoint, reorderQuantity, components));

    public static OutgoingMessage SkuRetired(string sku) => OutgoingMessage.For(Exchanges.SkuRetired, new SkuRetired(sku));
}
