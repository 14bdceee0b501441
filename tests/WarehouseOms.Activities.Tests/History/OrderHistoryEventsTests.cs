using WarehouseOms.Contracts;
using WarehouseOms.Persistence.History;

namespace WarehouseOms.Activities.Tests.History;

/// <summary>
/// The stored JSON of the typed history events: pinned, because stored rows are read back by these
/// names. A failing test here means a rename would make old rows unreadable.
/// </summary>
public sealed class OrderHistoryEventsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<object, string, string> Events => new()
    {
        {
            new OrderCreated("req-1", "cust-1", [new SkuLine("WIDGET-RED", 2)], new OrderShipTo("Ada", "1 Main St", "Springfield", "12345", "US")),
            OrderEventTypes.OrderCreated,
            """{"requestId":"req-1","customerId":"cust-1","lines":[{"sku":"WIDGET-RED","quantity":2}],"shipTo":{"name":"Ada","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}}"""
        },
        {
            new OrderStatusChanged("RESERVED", "SHIPPED", null, "shp-1", "WHX1", null),
            OrderEventTypes.OrderShipped,
            """{"from":"RESERVED","to":"SHIPPED","reason":null,"shipmentId":"shp-1","trackingNumber":"WHX1","deliveredAt":null}"""
        },
        {
            new OrderStatusChanged("PAID", "AWAITING_PAYMENT", "x", null, null, null),
            OrderEventTypes.OrderAwaitingPayment,
            """{"from":"PAID","to":"AWAITING_PAYMENT","reason":"x","shipmentId":null,"trackingNumber":null,"deliveredAt":null}"""
        },
        {
            new InventoryConsumed([new SkuLine("A", 1)], [new SkuLine("B", 2)]),
            OrderEventTypes.InventoryConsumed,
            """{"consumed":[{"sku":"A","quantity":1}],"picked":[{"sku":"B","quantity":2}]}"""
        },
        {
            new LineAdded("add-1", "KIT", 1, [new SkuLine("A", 1)]),
            OrderEventTypes.LineAdded,
            """{"additionId":"add-1","sku":"KIT","quantity":1,"reserved":[{"sku":"A","quantity":1}]}"""
        },
        { new PaymentCaptured("pay-1", "ops"), OrderEventTypes.PaymentCaptured, """{"providerReference":"pay-1","approvedBy":"ops"}""" },
        { new PaymentRefunded("pay-1", "cancelled"), OrderEventTypes.PaymentRefunded, """{"providerReference":"pay-1","reason":"cancelled"}""" },
        {
            new InventoryAllocatedEvent("ord-1", [new SkuLine("A", 1)], T0),
            OrderEventTypes.InventoryAllocated,
            """{"orderId":"ord-1","allocations":[{"sku":"A","quantity":1}],"occurredAt":"2026-11-23T10:00:00+00:00"}"""
        },
        {
            new ShipmentLabelGeneratedEvent("ord-1", "shp-1", "WHX1", "lbl-1", T0),
            OrderEventTypes.LabelGenerated,
            """{"orderId":"ord-1","shipmentId":"shp-1","trackingNumber":"WHX1","labelReference":"lbl-1","occurredAt":"2026-11-23T10:00:00+00:00"}"""
        },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void Serialize_TypedEvent_StoredJsonAndTypeNameUnchanged_ReadsBackEqual(object @event, string eventType, string json)
    {
        Assert.Equal(eventType, OrderEventCatalog.TypeOf(@event));
        Assert.Equal(json, OrderEventCatalog.Serialize(@event));
        Assert.Equal(@event.GetType(), OrderEventCatalog.PayloadTypeOf(eventType));
        Assert.Equal(OrderEventCatalog.Serialize(@event), OrderEventCatalog.Serialize(OrderEventCatalog.Read(eventType, json)!));
    }

    [Fact]
    public void PayloadTypeOf_EveryEventTypeName_HasItsRecord()
    {
        var names = typeof(OrderEventTypes).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);

        Assert.All(names, name => Assert.NotNull(OrderEventCatalog.PayloadTypeOf(name)));
        Assert.Null(OrderEventCatalog.PayloadTypeOf("SomethingNew"));
    }

    [Fact]
    public void TypeOf_NotAHistoryEvent_Throws() =>
        Assert.Throws<ArgumentException>(() => OrderEventCatalog.TypeOf(new OrderCreatedEvent("o", "r", "c", [], T0)));
}
