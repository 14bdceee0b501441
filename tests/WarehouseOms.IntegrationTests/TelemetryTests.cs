using System.Diagnostics;
using System.Net;
using System.Text.Json;
using WarehouseOms.Activities;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Temporal.Tracing;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// What an operator sees with telemetry switched on (ADR 0022): one trace per order from the consumed
/// message to the relay's publish of the events it caused, the Prometheus scrape with the Temporal SDK's,
/// MassTransit's and our own metrics, and readiness turning Degraded when the outbox backs up.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class TelemetryTests(ServiceFixture service) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = service.BaseAddress };

    public void Dispose()
    {
        service.Spans.Recording = false;
        service.Spans.Clear();
        http.Dispose();
    }

    private static object Order(string orderId) => new
    {
        requestId = orderId + "-req",
        orderId,
        customerId = "CUST-OTEL",
        lines = new[] { new { sku = "WIDGET-BLUE", quantity = 1 } },
        shipTo = new { name = "Ada", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
    };

    [Fact]
    public async Task Order_OneTraceFromConsumeThroughWorkflowStartAndActivitiesToRelayPublish()
    {
        service.Spans.Clear();
        service.Spans.Recording = true;
        var orderId = TestIds.Unique("IT-OTEL");
        var submitId = orderId + "-submit";
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, Order(orderId), submitId);

        var created = await service.Broker.EventAsync(Exchanges.OrderCreated, orderId);
        var allocated = await service.Broker.EventAsync(Exchanges.InventoryAllocated, orderId);
        Assert.NotNull(created.TraceParent);
        var traceId = ActivityContext.Parse(created.TraceParent, null).TraceId;

        // Spans end on their own threads: wait until the relay's publish of the fulfillment's event is in.
        var trace = await Eventually.UntilAsync(
            () => Task.FromResult(service.Spans.Where(s => s.TraceId == traceId).ToList()),
            spans => spans.Any(s => IsPublishOf(s, allocated.MessageId)) && spans.Any(s => IsPublishOf(s, created.MessageId)),
            $"the publish spans of {orderId}'s events in trace {traceId}");

        // consume → start → activities (intake and its child, fulfillment) → relay publish, one trace.
        var start = Assert.Single(trace, s => s.Source.Name == TracingClientInterceptor.SourceName && s.DisplayName == "StartWorkflow:OrderIntakeWorkflow");
        var consume = trace.Where(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer).ToList();
        Assert.Contains(consume, c => IsWithin(start, c, trace));
        var activities = trace.Where(s => s.Source.Name == ActivityTracing.SourceName).ToList();
        Assert.Contains(activities, s => Equals(s.GetTagItem(ActivityTracing.WorkflowIdTag), $"order-intake-{orderId}-req"));
        Assert.Contains(activities, s => Equals(s.GetTagItem(ActivityTracing.WorkflowIdTag), $"order-fulfillment-{orderId}")
            && Equals(s.GetTagItem(ActivityTracing.ActivityTypeTag), "AllocateInventory"));
        Assert.All(activities, a => Assert.True(IsWithin(a, start, trace), $"{a.DisplayName} descends from the workflow start"));
        var publish = Assert.Single(trace, s => IsPublishOf(s, allocated.MessageId));
        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.Contains(activities, a => a.SpanId == publish.ParentSpanId);

        // Downstream receives the publish span as its parent.
        Assert.Equal(publish.Id, allocated.TraceParent);
    }

    [Fact]
    public async Task Metrics_AfterAnOrder_ScrapeHasTemporalSdkMassTransitOutboxAndOwnMetrics()
    {
        var orderId = TestIds.Unique("IT-METRICS");
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, Order(orderId), orderId + "-submit");
        await service.ApprovePaymentAsync(orderId);
        await service.ApprovePaymentAsync(orderId); // the same message again: deduplicated by the workflow
        await service.Broker.EventAsync(Exchanges.PickWaveCreated, orderId);
        var refused = TestIds.Unique("IT-METRICS-BAD");
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, """{"requestId":"","orderId":"x"}""", refused);
        Assert.NotNull(await Eventually.UntilAsync(
            () => service.Broker.TakeAsync(Queues.ErrorQueueFor(Exchanges.OrderSubmitted), refused), m => m is not null, "the refused order in the error queue"));

        string[] expected =
        [
            "temporal_request",                                  // the Temporal SDK's client metrics, through the bridge
            "temporal_workflow_task_execution_latency",          // … and its workers'
            "temporal_activity_execution_latency",
            "messaging_masstransit_consume",                     // MassTransit
            "warehouse_oms_outbox_pending",                      // ours: outbox
            "warehouse_oms_outbox_oldest_pending_age",
            "warehouse_oms_orders{",                             // orders by status
            "warehouse_oms_error_queue_messages{",               // error queue depths
            "warehouse_oms_messages_dead_lettered",              // dead-lettered by reason
            "warehouse_oms_signals_deduplicated",                // recorded in workflow code
            "db_client_",                                        // Npgsql
            "http_server_request_duration",                      // ASP.NET Core
            "dotnet_gc_",                                        // runtime
        ];
        var scrape = await Eventually.UntilAsync(
            ScrapeAsync,
            text => expected.All(text.Contains),
            $"/metrics with {string.Join(", ", expected)}");

        Assert.Contains("""reason="invalid""", scrape, StringComparison.Ordinal);
        Assert.Contains($"""queue="{Queues.ErrorQueueFor(Exchanges.OrderSubmitted)}""", scrape, StringComparison.Ordinal);
        Assert.Contains("""signal="approve-payment""", scrape, StringComparison.Ordinal);
        Assert.Matches("""(?m)^warehouse_oms_orders\{[^}]*status="[A-Z_]+"[^}]*\} [1-9]""", scrape);
    }

    [Fact]
    public async Task Ready_WhileTheOldestPendingOutboxRowIsOverTheThreshold_IsDegraded()
    {
        Assert.Equal("Healthy", await Eventually.UntilAsync(() => BacklogStatusAsync(), s => s == "Healthy", "outbox-backlog healthy before"));

        // A pending row written an hour ago that the relay will not pick up during the test (its last
        // attempt is recent and its retry delay long), standing for events stuck in the outbox.
        var messageId = Guid.NewGuid();
        await service.ScalarAsync(
            """
            INSERT INTO messaging.outbox_messages (message_id, exchange, message_type, payload, headers, created_at, state, attempts, last_attempt_at)
            VALUES ($1, 'telemetry-it.never-published', 'telemetry-it.never-published', '{}', '{}', now() - interval '1 hour', 'pending', 20, now())
            """,
            messageId);
        try
        {
            var (status, body) = await ReadyAsync();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("Degraded", body.GetProperty("status").GetString());
            var backlog = body.GetProperty("checks").GetProperty("outbox-backlog");
            Assert.Equal("Degraded", backlog.GetProperty("status").GetString());
            Assert.Contains("Outbox:DegradedAfter", backlog.GetProperty("description").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await service.ScalarAsync("DELETE FROM messaging.outbox_messages WHERE message_id = $1", messageId);
        }

        Assert.Equal("Healthy", await BacklogStatusAsync());
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync()
    {
        using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    private async Task<string?> BacklogStatusAsync() =>
        (await ReadyAsync()).Body.GetProperty("checks").GetProperty("outbox-backlog").GetProperty("status").GetString();

    private static bool IsPublishOf(Activity span, string? messageId) =>
        span.Source.Name == OutboxTracing.SourceName && Equals(span.GetTagItem("messaging.message.id"), messageId);

    /// <summary>Whether <paramref name="span"/> descends from <paramref name="ancestor"/> through the spans of the trace.</summary>
    private static bool IsWithin(Activity span, Activity ancestor, IReadOnlyList<Activity> trace)
    {
        var bySpanId = trace.ToDictionary(s => s.SpanId);
        for (var parent = span.ParentSpanId; bySpanId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
        {
            if (next.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
