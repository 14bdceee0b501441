using System.Text.Json;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Cli.Messages;
using WarehouseOms.Contracts;

namespace WarehouseOms.Cli.Tests;

/// <summary>The exact wire JSON of every command: camelCase field names as in Inbound.cs, to the exchange of Exchanges.cs.</summary>
public sealed class InboundMessagesTests
{
    private const string ShipToJson = """{"name":"Ada Lovelace","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}""";

    private static SubmitCommand Submit(string? orderId = "ORD-1", int count = 1, string? requestId = null, params OrderLine[] lines) =>
        new(orderId, requestId, "CUST-001", lines, count, AutoApprove: false, Async: true, TimeSpan.Zero, TimeSpan.Zero);

    [Fact]
    public void Submit_publishes_a_valid_sample_order()
    {
        var message = InboundMessages.OrderSubmitted(SampleOrders.Create(Submit(), 0, "ORD-1"));

        Assert.Equal(Exchanges.OrderSubmitted, message.Exchange);
        Assert.Equal(
            """{"requestId":"req-ORD-1","orderId":"ORD-1","customerId":"CUST-001","lines":[{"sku":"WIDGET-RED","quantity":2},{"sku":"GADGET","quantity":1}],"shipTo":""" + ShipToJson + "}",
            message.Json);
    }

    [Fact]
    public void Submit_with_prices_publishes_the_currency_and_each_unit_price()
    {
        var command = Submit(lines: [new OrderLine("GADGET", 2, 12.50m)]) with { Currency = "EUR" };

        var message = InboundMessages.OrderSubmitted(SampleOrders.Create(command, 0, "ORD-1"));

        Assert.Equal(
            """{"requestId":"req-ORD-1","orderId":"ORD-1","customerId":"CUST-001","lines":[{"sku":"GADGET","quantity":2,"unitPrice":12.50}],"shipTo":""" + ShipToJson + ""","currency":"EUR"}""",
            message.Json);
        Assert.Equal(
            """{"orderId":"ORD-1","sku":"GADGET","quantity":1,"unitPrice":4.25}""",
            InboundMessages.LineAdded("ORD-1", "GADGET", 1, 4.25m).Json);
    }

    [Fact]
    public void Submit_uses_the_given_lines_and_numbers_a_batch()
    {
        var command = Submit(count: 3, requestId: "R", lines: new OrderLine("CABLE-USB", 5));

        var orders = Enumerable.Range(0, 3).Select(i => SampleOrders.Create(command, i, "ORD-1")).ToList();

        Assert.Equal(["ORD-1-1", "ORD-1-2", "ORD-1-3"], orders.Select(o => o.OrderId));
        Assert.Equal(["R-1", "R-2", "R-3"], orders.Select(o => o.RequestId));
        Assert.All(orders, o => Assert.Equal([new OrderLine("CABLE-USB", 5)], o.Lines!));
    }

    [Fact]
    public void Default_lines_come_from_the_demo_catalogue()
    {
        var skus = Enumerable.Range(0, 5).SelectMany(SampleOrders.DefaultLines).Select(l => l.Sku).ToHashSet();

        Assert.Equal(SampleOrders.Catalogue.ToHashSet<string?>(), skus);
        Assert.Matches("^ORDER-[0-9]+-[0-9a-f]{3}$", SampleOrders.NewOrderId(DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Order_commands_publish_their_messages()
    {
        AssertMessage(Exchanges.PaymentApproved, """{"orderId":"ORD-1","approvedBy":"auto"}""", InboundMessages.PaymentApproved("ORD-1", "auto"));
        AssertMessage(Exchanges.OrderCancellationRequested, """{"orderId":"ORD-1","reason":"test cancellation"}""", InboundMessages.CancellationRequested("ORD-1", "test cancellation"));
        AssertMessage(Exchanges.OrderLineAdded, """{"orderId":"ORD-1","sku":"EXTRA-001","quantity":1}""", InboundMessages.LineAdded("ORD-1", "EXTRA-001", 1));
        AssertMessage(
            Exchanges.PickCompleted,
            """{"orderId":"ORD-1","deviceId":"scanner-1","lines":[{"sku":"GADGET","quantity":2}]}""",
            InboundMessages.PickCompleted("ORD-1", "scanner-1", [new OrderLine("GADGET", 2)]));
        AssertMessage(
            Exchanges.PackCompleted,
            """{"orderId":"ORD-1","deviceId":"pack-station-1","packages":[{"packageId":"PKG-ORD-1-1","weightKg":1.2},{"packageId":"PKG-ORD-1-2","weightKg":1.2}]}""",
            InboundMessages.PackCompleted("ORD-1", "pack-station-1", 2, 1.2m));
        AssertMessage(
            Exchanges.ShipmentDelivered,
            """{"orderId":"ORD-1","deliveredAt":"2026-01-31T14:00:00+00:00"}""",
            InboundMessages.ShipmentDelivered("ORD-1", new DateTimeOffset(2026, 1, 31, 14, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Cart_commands_publish_their_messages()
    {
        AssertMessage(
            Exchanges.CartItemsAdded,
            """{"customerId":"C-1","items":[{"sku":"GADGET","quantity":2}]}""",
            InboundMessages.CartItemsAdded("C-1", [new OrderLine("GADGET", 2)]));
        AssertMessage(
            Exchanges.CartItemsRemoved,
            """{"customerId":"C-1","items":[{"sku":"GADGET","quantity":1}]}""",
            InboundMessages.CartItemsRemoved("C-1", [new OrderLine("GADGET", 1)]));
        AssertMessage(Exchanges.CartReset, """{"customerId":"C-1"}""", InboundMessages.CartReset("C-1"));
        AssertMessage(
            Exchanges.CartCheckedOut,
            """{"customerId":"C-1","requestId":"R-1","shipTo":""" + ShipToJson + "}",
            InboundMessages.CartCheckedOut("C-1", "R-1"));
    }

    [Fact]
    public void The_json_reads_back_into_the_contract_records_as_the_service_reads_it()
    {
        var order = SampleOrders.Create(Submit(), 0, "ORD-1");

        var read = JsonSerializer.Deserialize<OrderSubmitted>(InboundMessages.OrderSubmitted(order).Json, JsonSerializerOptions.Web)!;

        Assert.Equal(order.RequestId, read.RequestId);
        Assert.Equal(order.Lines, read.Lines!);
        Assert.Equal(order.ShipTo, read.ShipTo);
    }

    [Fact]
    public void Every_message_gets_its_own_message_id()
    {
        var ids = Enumerable.Range(0, 10).Select(_ => InboundMessages.CartReset("C-1").MessageId).ToList();

        Assert.Equal(10, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(Guid.TryParse(id, out _)));
    }

    private static void AssertMessage(string exchange, string json, OutgoingMessage message)
    {
        Assert.Equal(exchange, message.Exchange);
        Assert.Equal(json, message.Json);
    }
}
