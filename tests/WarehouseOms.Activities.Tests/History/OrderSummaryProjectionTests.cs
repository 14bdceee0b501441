using System.Text.Json;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Activities.Tests.History;

/// <summary>The projection and the event-type mapping as pure functions (no database).</summary>
public sealed class OrderSummaryProjectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static OrderEventRecord Event(int version, string type, object payload) => new()
    {
        OrderId = "ord-1",
        Version = version,
        EventType = type,
        Payload = JsonSerializer.Serialize(payload, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
        OccurredAt = T0.AddMinutes(version),
    };

    [Fact]
    public void Apply_OrderCreated_StartsSummaryWithCustomerLinesAndStatus()
    {
        var summary = OrderSummaryProjection.Apply(null, Event(1, OrderEventTypes.OrderCreated,
            new { requestId = "req-1", customerId = "cust-1", lines = new[] { new { sku = "WIDGET-RED", quantity = 2 } } }));

        Assert.Equal("ord-1", summary.OrderId);
        Assert.Equal("cust-1", summary.CustomerId);
        Assert.Equal(OrderStatus.Created, summary.Status);
        Assert.Equal(OrderEventTypes.OrderCreated, summary.Step);
        Assert.Equal("""[{"sku":"WIDGET-RED","quantity":2}]""", summary.Lines);
        Assert.Equal(1, summary.Version);
        Assert.Equal(T0.AddMinutes(1), summary.CreatedAt);
    }

    [Fact]
    public void Replay_ShippedOrder_StatusFollowsStatusEventsStepFollowsEveryEvent()
    {
        var summary = OrderSummaryProjection.Replay(
        [
            Event(1, OrderEventTypes.OrderCreated, new { customerId = "cust-1", lines = new[] { new { sku = "GADGET", quantity = 1 } } }),
            Event(2, OrderEventTypes.InventoryAllocated, new { allocations = new[] { new { sku = "GADGET", quantity = 1 } } }),
            Event(3, OrderEventTypes.OrderReserved, new { from = "CREATED", to = "RESERVED" }),
            Event(4, OrderEventTypes.ShipmentCreated, new { shipmentId = "shp-ord-1" }),
            Event(5, OrderEventTypes.LabelGenerated, new { shipmentId = "shp-ord-1", trackingNumber = "WHX1" }),
            Event(6, OrderEventTypes.OrderShipped, new { from = "RESERVED", to = "SHIPPED", shipmentId = "shp-ord-1", trackingNumber = "WHX1" }),
            Event(7, OrderEventTypes.ShipmentConfirmed, new { trackingNumber = "WHX1" }),
        ])!;

        Assert.Equal(OrderStatus.Shipped, summary.Status);
        Assert.Equal(OrderEventTypes.ShipmentConfirmed, summary.Step);
        Assert.Equal("shp-ord-1", summary.ShipmentId);
        Assert.Equal("WHX1", summary.TrackingNumber);
        Assert.Equal("""[{"sku":"GADGET","quantity":1}]""", summary.Lines);
        Assert.Equal(7, summary.Version);
        Assert.Equal(T0.AddMinutes(7), summary.UpdatedAt);
        Assert.Equal(T0.AddMinutes(1), summary.CreatedAt);
    }

    [Fact]
    public void Apply_StatusEventWithReason_SetsReason_StepEventReasonIgnored()
    {
        var created = OrderSummaryProjection.Apply(null, Event(1, OrderEventTypes.OrderCreated, new { customerId = "c" }));

        var released = OrderSummaryProjection.Apply(created, Event(2, OrderEventTypes.InventoryReleased, new { reason = "customer changed their mind" }));
        var cancelled = OrderSummaryProjection.Apply(released, Event(3, OrderEventTypes.OrderCancelled, new { reason = "customer changed their mind" }));

        Assert.Null(released.StatusReason);
        Assert.Equal(OrderStatus.Created, released.Status);
        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal("customer changed their mind", cancelled.StatusReason);
    }

    [Fact]
    public void Apply_LineAdded_AppendsTheLine()
    {
        var created = OrderSummaryProjection.Apply(null, Event(1, OrderEventTypes.OrderCreated,
            new { customerId = "c", lines = new[] { new { sku = "WIDGET-RED", quantity = 2 } } }));

        var added = OrderSummaryProjection.Apply(created, Event(2, OrderEventTypes.LineAdded,
            new { additionId = "add-1", sku = "KIT-STARTER", quantity = 1, reserved = new[] { new { sku = "GADGET", quantity = 1 } } }));

        Assert.Equal("""[{"sku":"WIDGET-RED","quantity":2},{"sku":"KIT-STARTER","quantity":1}]""", added.Lines);
        Assert.Equal(OrderStatus.Created, added.Status);
    }

    [Fact]
    public void Apply_DoesNotChangeTheCurrentSummary()
    {
        var created = OrderSummaryProjection.Apply(null, Event(1, OrderEventTypes.OrderCreated, new { customerId = "c" }));

        var reserved = OrderSummaryProjection.Apply(created, Event(2, OrderEventTypes.OrderReserved, new { }));

        Assert.Equal(OrderStatus.Created, created.Status);
        Assert.Equal(1, created.Version);
        Assert.Equal(OrderStatus.Reserved, reserved.Status);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Apply_VersionNotNext_Throws(int version)
    {
        var created = OrderSummaryProjection.Apply(null, Event(1, OrderEventTypes.OrderCreated, new { customerId = "c" }));

        Assert.Throws<InvalidOperationException>(() => OrderSummaryProjection.Apply(created, Event(version, OrderEventTypes.OrderReserved, new { })));
    }

    [Fact]
    public void Apply_FirstEventIsAStep_SummaryWithoutStatus()
    {
        var summary = OrderSummaryProjection.Apply(null, Event(1, OrderEventTypes.PickWaveCreated, new { pickWaveId = "pw-1" }));

        Assert.Null(summary.Status);
        Assert.Equal(OrderSummaryProjection.EmptyLines, summary.Lines);
    }

    [Fact]
    public void ForStatus_EveryStatus_HasItsOwnEventTypeThatMapsBack()
    {
        var statuses = Enum.GetValues<OrderStatus>();

        var types = statuses.Select(OrderEventTypes.ForStatus).ToList();

        Assert.Equal(statuses.Length, types.Distinct(StringComparer.Ordinal).Count());
        Assert.All(statuses, s => Assert.Equal(s, OrderEventTypes.StatusOf(OrderEventTypes.ForStatus(s))));
        Assert.Null(OrderEventTypes.StatusOf(OrderEventTypes.InventoryAllocated));
        Assert.Equal("OrderAwaitingPayment", OrderEventTypes.ForStatus(OrderStatus.AwaitingPayment));
    }

    [Theory]
    [InlineData("SHIPPED", OrderStatus.Shipped)]
    [InlineData("awaiting_payment", OrderStatus.AwaitingPayment)]
    [InlineData("AwaitingPayment", OrderStatus.AwaitingPayment)]
    public void OrderStatusText_WireOrEnumNameInAnyCase_Parses(string text, OrderStatus expected)
    {
        Assert.True(OrderStatusText.TryParse(text, out var status));
        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("3")]
    [InlineData("Shipped,Paid")]
    [InlineData("SHIPPING")]
    public void OrderStatusText_NumbersCombinationsUnknown_Rejected(string text) =>
        Assert.False(OrderStatusText.TryParse(text, out _));

    [Fact]
    public void OrderStatusText_ToWire_UpperSnake() =>
        Assert.Equal("AWAITING_PAYMENT", OrderStatusText.ToWire(OrderStatus.AwaitingPayment));
}
