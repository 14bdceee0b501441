using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Temporalio.Client;
using WarehouseOms.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Host;
using WarehouseOms.Temporal;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// The order read models over HTTP on the real service: an order shipped through RabbitMQ, then
/// GET /orders/{id}, /orders/{id}/history and /orders?status=; and the activity spans it produced.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class OrderQueryTests : IDisposable
{
    /// <summary>What any shipped order's history contains, in this order (other events may come between).</summary>
    private static readonly string[] ShippedPath =
    [
        "OrderCreated", "InventoryAllocated", "OrderReserved", "PickWaveCreated", "InventoryConsumed",
        "ShipmentCreated", "LabelGenerated", "ShipmentConfirmed", "OrderShipped",
    ];

    private readonly ServiceFixture service;
    private readonly HttpClient http;
    private readonly ConcurrentQueue<Activity> spans = new();
    private readonly ActivityListener listener;

    public OrderQueryTests(ServiceFixture service)
    {
        this.service = service;
        var address = service.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        http = new HttpClient { BaseAddress = new Uri(address) };
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActivityTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public void Dispose()
    {
        listener.Dispose();
        http.Dispose();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<OutboundMessage> ShipOrderAsync(string orderId)
    {
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, new
        {
            requestId = orderId + "-req",
            orderId,
            customerId = "CUST-QUERY",
            lines = new[] { new { sku = "WIDGET-RED", quantity = 2 } },
            shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
        }, orderId + "-submit");
        await service.ApprovePaymentAsync(orderId);
        await service.Broker.EventAsync(Exchanges.PickWaveCreated, orderId);
        await service.Broker.PublishAsync(Exchanges.PickCompleted,
            new { orderId, deviceId = "scanner-1", lines = new[] { new { sku = "WIDGET-RED", quantity = 2 } } }, orderId + "-pick");
        await service.Broker.PublishAsync(Exchanges.PackCompleted,
            new { orderId, deviceId = "station-1", packages = new[] { new { packageId = "PKG-1", weightKg = 1.25m } } }, orderId + "-pack");
        return await service.Broker.EventAsync(Exchanges.OrderShipped, orderId);
    }

    [Fact]
    public async Task ShippedOrder_SummaryHistoryListAndSpans_TellTheSameStory()
    {
        var orderId = TestIds.Unique("IT-QUERY");
        var shipped = await ShipOrderAsync(orderId);

        var (status, details) = await GetAsync($"/orders/{orderId}");
        Assert.Equal(HttpStatusCode.OK, status);
        var order = details.GetProperty("order");
        Assert.Equal("SHIPPED", order.GetProperty("status").GetString());
        Assert.Equal("OrderShipped", order.GetProperty("step").GetString());
        Assert.Equal("CUST-QUERY", order.GetProperty("customerId").GetString());
        Assert.Equal("WIDGET-RED", order.GetProperty("lines")[0].GetProperty("sku").GetString());
        Assert.Equal(2, order.GetProperty("lines")[0].GetProperty("quantity").GetInt32());
        Assert.Equal(shipped.Body.GetProperty("shipmentId").GetString(), order.GetProperty("shipmentId").GetString());
        Assert.Equal(shipped.Body.GetProperty("trackingNumber").GetString(), order.GetProperty("trackingNumber").GetString());
        // The workflow may have closed (or wait for delivery): either way the query answers.
        var workflow = details.GetProperty("workflow");
        Assert.Equal(JsonValueKind.Object, workflow.ValueKind);
        Assert.Equal(orderId, workflow.GetProperty("orderId").GetString());
        Assert.Equal("SHIPPED", workflow.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, details.GetProperty("workflowUnavailableReason").ValueKind);

        var (historyStatus, history) = await GetAsync($"/orders/{orderId}/history");
        Assert.Equal(HttpStatusCode.OK, historyStatus);
        var events = history.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.GetProperty("version").GetInt32()));
        Assert.Equal(order.GetProperty("version").GetInt32(), events.Count);
        var types = events.Select(e => e.GetProperty("type").GetString()!).ToList();
        Assert.True(IsSubsequence(ShippedPath, types), $"history {string.Join(", ", types)} lacks the shipped path");
        Assert.Single(types, t => t == "OrderShipped");
        // The history names the very message downstream received.
        var shippedEvent = events.Single(e => e.GetProperty("type").GetString() == "OrderShipped");
        Assert.Equal(Guid.Parse(shipped.MessageId!), shippedEvent.GetProperty("messageId").GetGuid());
        Assert.Equal($"order-fulfillment-{orderId}", shippedEvent.GetProperty("workflowId").GetString());
        Assert.Equal("SHIPPED", shippedEvent.GetProperty("payload").GetProperty("to").GetString());

        var (listStatus, list) = await GetAsync("/orders?status=shipped&limit=500");
        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal("SHIPPED", list.GetProperty("status").GetString());
        var listed = list.GetProperty("orders").EnumerateArray().ToList();
        Assert.Contains(listed, o => o.GetProperty("orderId").GetString() == orderId);
        Assert.All(listed, o => Assert.Equal("SHIPPED", o.GetProperty("status").GetString()));
        var updated = listed.Select(o => o.GetProperty("updatedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(updated.OrderDescending(), updated);

        // One span per activity attempt, tagged with the order; the fulfillment run is one trace.
        var orderSpans = spans.Where(s => Equals(s.GetTagItem(ActivityTracing.OrderIdTag), orderId)).ToList();
        var activityTypes = orderSpans.Select(s => (string)s.GetTagItem(ActivityTracing.ActivityTypeTag)!).ToHashSet();
        Assert.Superset(new HashSet<string> { "CreateOrder", "AllocateInventory", "CreatePickWave", "ConsumeInventory", "CreateShipment", "ConfirmShipment", "MarkOrderShipped" }, activityTypes);
        Assert.Single(orderSpans.Where(s => Equals(s.GetTagItem(ActivityTracing.WorkflowIdTag), $"order-fulfillment-{orderId}")).Select(s => s.TraceId).Distinct());
    }

    [Fact]
    public async Task UnknownOrder_404_BadQuery_400WithTheReason()
    {
        var (orderStatus, _) = await GetAsync("/orders/no-such-order");
        var (historyStatus, _) = await GetAsync("/orders/no-such-order/history");
        var (badStatus, bad) = await GetAsync("/orders?status=SHIPPING");
        var (badLimitStatus, badLimit) = await GetAsync("/orders?limit=0");
        var (defaultStatus, all) = await GetAsync("/orders");

        Assert.Equal(HttpStatusCode.NotFound, orderStatus);
        Assert.Equal(HttpStatusCode.NotFound, historyStatus);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("AWAITING_PAYMENT", bad.GetProperty("errors").GetProperty("status")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badLimitStatus);
        Assert.True(badLimit.GetProperty("errors").TryGetProperty("limit", out _));
        Assert.Equal(HttpStatusCode.OK, defaultStatus);
        Assert.Equal(OrderEndpoints.DefaultLimit, all.GetProperty("limit").GetInt32());
    }

    // (A NUL, %00, never gets this far: Kestrel refuses the request itself with 400.)
    [Theory]
    [InlineData("/orders/ORD%0AX")]
    [InlineData("/orders/ORD%E2%80%AEX/history")]
    [InlineData("/carts/CUST%1B")]
    public async Task ControlCharacterOrOverlongIdInTheUrl_400WithTheReason(string path)
    {
        var (status, body) = await GetAsync(path);
        var (longStatus, _) = await GetAsync("/orders/" + new string('x', 129));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors");
        var field = path.StartsWith("/carts", StringComparison.Ordinal) ? "customerId" : "orderId";
        Assert.Contains("printable characters", errors.GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, longStatus);
    }

    [Fact]
    public async Task SummaryWithoutWorkflow_AnswersReadModelWithWorkflowNullAndReason()
    {
        var orderId = TestIds.Unique("IT-NOWF");
        await service.ScalarAsync(
            """
            INSERT INTO oms.order_summaries (order_id, customer_id, status, step, lines, version, created_at, updated_at)
            VALUES ($1, 'CUST-OLD', 'CREATED', 'Backfilled', '[]', 0, now(), now())
            """,
            orderId);

        var (status, details) = await GetAsync($"/orders/{orderId}");
        var (historyStatus, history) = await GetAsync($"/orders/{orderId}/history");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("CREATED", details.GetProperty("order").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, details.GetProperty("workflow").ValueKind);
        Assert.Contains("not found", details.GetProperty("workflowUnavailableReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, historyStatus);
        Assert.Equal(0, history.GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task TemporalUnreachable_LiveStatusIsAReasonNotAnError()
    {
        var unreachable = TemporalClient.CreateLazy(new TemporalClientConnectOptions("127.0.0.1:1"));
        var orders = new TemporalOrderWorkflows(unreachable, Options.Create(new TemporalOptions()), NullLogger<TemporalOrderWorkflows>.Instance);

        var live = await orders.ReadFulfillmentAsync("any-order", CancellationToken.None);

        Assert.Null(live.Snapshot);
        Assert.StartsWith("Temporal unavailable", live.UnavailableReason, StringComparison.Ordinal);
    }

    private static bool IsSubsequence(IEnumerable<string> wanted, IEnumerable<string> actual)
    {
        using var next = wanted.GetEnumerator();
        var pending = next.MoveNext();
        foreach (var item in actual)
        {
            if (pending && item == next.Current)
            {
                pending = next.MoveNext();
            }
        }

        return !pending;
    }
}
