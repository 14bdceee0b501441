using System.Collections.Concurrent;
using MassTransit;
using Partner.Catalog.Contracts;
using WarehouseOms.Contracts;

namespace WarehouseOms.IntegrationTests
{
    /// <summary>
    /// Another service on MassTransit, with its own bus and its own contract types (another namespace, so other
    /// message URNs), publishes to our exchanges and consumes our raw JSON events (ADR 0019).
    /// </summary>
    [Collection(ServiceCollection.Name)]
    public sealed class InteropFlowTests(ServiceFixture service)
    {
        // The partner is another service with its own broker user and rights (its own queues, not warehouse-oms.*):
        // the vhost's operator from rabbitmq/definitions.json stands in for it.
        private static Uri PartnerBrokerUri => TestBroker.OperatorUri;

        [Fact]
        public async Task PartnerMassTransitBus_RegistersStocksAndOrdersANewSku_OrderIsAllocated()
        {
            var sku = $"IT-PARTNER-{Guid.NewGuid():N}"[..22].ToUpperInvariant();
            var orderId = $"IT-PTR-{Guid.NewGuid():N}"[..20];
            var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
            {
                rabbit.Host(PartnerBrokerUri);
                // Their types, our exchange names: the only thing the two services share.
                rabbit.Message<CatalogItemRegistered>(m => m.SetEntityName(Exchanges.SkuRegistered));
                rabbit.Message<GoodsReceived>(m => m.SetEntityName(Exchanges.StockReceived));
                rabbit.Message<PlaceOrder>(m => m.SetEntityName(Exchanges.OrderSubmitted));
            });
            await bus.StartAsync();
            try
            {
                await bus.Publish(new CatalogItemRegistered(sku, "Partner lamp", 1, 5, null));
                await Eventually.UntilAsync(
                    () => service.ScalarAsync("SELECT count(*) FROM ims.items WHERE sku = $1", sku), v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) == 1, "the SKU registered");
                await bus.Publish(new GoodsReceived(orderId + "-rcpt", sku, 3));
                await Eventually.UntilAsync(
                    () => service.ScalarAsync("SELECT on_hand FROM ims.stock_items WHERE sku = $1", sku), v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) == 3, "the stock received");
                await bus.Publish(new PlaceOrder(orderId + "-req", orderId, "CUST-PARTNER", [new PlaceOrderLine(sku, 2)],
                    new PlaceOrderAddress("Ada Lovelace", "1 Main St", "Springfield", "12345", "US")));

                var allocated = await service.Broker.EventAsync(Exchanges.InventoryAllocated, orderId);
                Assert.Equal(sku, allocated.Body.GetProperty("allocations")[0].GetProperty("sku").GetString());
            }
            finally
            {
                await bus.StopAsync();
            }
        }

        [Fact]
        public async Task PartnerMassTransitConsumer_ReceivesOrderCreated_WithCorrelationSequenceAndSchemaVersion()
        {
            var orderId = $"IT-PTC-{Guid.NewGuid():N}"[..20];
            var received = new ConcurrentQueue<(OrderCreatedSeen Message, string? CorrelationId, string? Sequence, string? Schema)>();
            var queue = $"partner-shipping-{Guid.NewGuid():N}";
            var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
            {
                rabbit.Host(PartnerBrokerUri);
                rabbit.ReceiveEndpoint(queue, endpoint =>
                {
                    // The recipe of docs/messages.md: bind the fanout exchange, read raw JSON into your own type.
                    endpoint.ConfigureConsumeTopology = false;
                    endpoint.AutoDelete = true;
                    endpoint.Durable = false;
                    endpoint.Bind(Exchanges.OrderCreated, bind => bind.ExchangeType = "fanout");
                    endpoint.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);
                    endpoint.Handler<OrderCreatedSeen>(context =>
                    {
                        context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var amqp);
                        received.Enqueue((context.Message, amqp?.Properties.CorrelationId,
                            context.Headers.Get<string>(OutboundHeaders.OrderSequence), context.Headers.Get<string>(OutboundHeaders.SchemaVersion)));
                        return Task.CompletedTask;
                    });
                });
            });
            await bus.StartAsync();
            try
            {
                await service.Broker.PublishAsync(Exchanges.OrderSubmitted, new
                {
                    requestId = orderId + "-req",
                    orderId,
                    customerId = "CUST-IT",
                    lines = new[] { new { sku = "WIDGET-BLUE", quantity = 1 } },
                    shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
                }, orderId + "-submit");

                await Eventually.UntilAsync(() => received.Any(r => r.Message.OrderId == orderId), "oms.order-created at the partner's consumer");
                var seen = received.Single(r => r.Message.OrderId == orderId);
                Assert.Equal(("CUST-IT", orderId, OutboundHeaders.CurrentSchemaVersion), (seen.Message.CustomerId, seen.CorrelationId, seen.Schema));
                Assert.True(int.TryParse(seen.Sequence, System.Globalization.CultureInfo.InvariantCulture, out var sequence) && sequence >= 1, $"sequence header '{seen.Sequence}'");
            }
            finally
            {
                await bus.StopAsync();
            }
        }
    }
}

namespace Partner.Catalog.Contracts
{
    // A partner service's own contracts: other names, another namespace, so other MassTransit message URNs.
    public sealed record CatalogItemRegistered(string Sku, string Name, int ReorderPoint, int ReorderQuantity, IReadOnlyList<CatalogItemPart>? Components);

    public sealed record CatalogItemPart(string Sku, int Quantity);

    public sealed record GoodsReceived(string ReceiptId, string Sku, int Quantity);

    public sealed record PlaceOrder(string RequestId, string OrderId, string CustomerId, IReadOnlyList<PlaceOrderLine> Lines, PlaceOrderAddress ShipTo);

    public sealed record PlaceOrderLine(string Sku, int Quantity);

    public sealed record PlaceOrderAddress(string Name, string Line1, string City, string PostalCode, string Country);

    public sealed record OrderCreatedSeen(string OrderId, string CustomerId);
}
