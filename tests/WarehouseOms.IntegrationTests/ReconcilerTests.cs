using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Client;
using WarehouseOms.Contracts;
using WarehouseOms.Host.Reconciliation;
using WarehouseOms.Messaging;
using WarehouseOms.Workflows;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// The reconciler (ADR 0030) against state broken for real: a fulfillment workflow terminated through the
/// Temporal client under a paid order, then the order closed as an operator would; rows written without any
/// workflow. Each finding is checked where an operator meets it: the repair (or its absence), the events,
/// the log line, the metric and <c>GET /reconciliation</c>.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ReconcilerTests(ServiceFixture service) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = service.BaseAddress };
    private readonly FindingCounter counter = new();

    private Reconciler Reconciler => service.Services.GetRequiredService<Reconciler>();

    public void Dispose()
    {
        counter.Dispose();
        http.Dispose();
    }

    [Fact]
    public async Task TerminatedWorkflow_IsReportedNotGuessed_ThenTheClosedOrdersStockIsReleasedAndItsCaptureRefunded()
    {
        var orderId = TestIds.Unique("IT-RECON");
        const string sku = "WIDGET-BLUE";
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, Order(orderId, sku), orderId + "-submit");
        await service.ApprovePaymentAsync(orderId);
        await service.Broker.EventAsync(Exchanges.PickWaveCreated, orderId);

        // Broken: the workflow is gone (terminated runs no compensation), and time passes.
        await service.Services.GetRequiredService<ITemporalClient>().GetWorkflowHandle(WorkflowIds.OrderFulfillment(orderId)).TerminateAsync("reconciler test");
        await AgeAsync(orderId);

        var closed = await FindingAsync(orderId, FindingKinds.WorkflowClosed);
        Assert.Equal(FindingOutcomes.Reported, closed.Outcome);
        Assert.Equal(WorkflowIds.OrderFulfillment(orderId), closed.WorkflowId);
        Assert.Contains("Terminated", closed.Detail, StringComparison.Ordinal);
        Assert.Equal("PAID", closed.OrderStatus);
        // Nothing guessed: the order is as the workflow left it.
        Assert.Equal("PAID", await service.ScalarAsync("SELECT status FROM oms.orders WHERE order_id = $1", orderId));
        Assert.Equal("CAPTURED", await service.ScalarAsync("SELECT status FROM oms.payments WHERE order_id = $1", orderId));
        await AssertListedAsync(orderId, FindingKinds.WorkflowClosed, FindingOutcomes.Reported);
        await AssertLoggedAsync(orderId, FindingKinds.WorkflowClosed, FindingOutcomes.Reported);
        Assert.True(counter.Of(FindingKinds.WorkflowClosed, FindingOutcomes.Reported) >= 1);

        // An operator closes the order; the reconciler makes the compensations the workflow never ran.
        await service.ExecuteAsync("UPDATE oms.orders SET status = 'FAILED', status_reason = 'closed by an operator' WHERE order_id = $1", orderId);
        await AgeAsync(orderId);
        var report = await RunUntilAsync(
            r => Has(r, orderId, FindingKinds.StockHeldByClosedOrder, FindingOutcomes.Repaired) || Has(r, orderId, FindingKinds.CaptureNotRefunded, FindingOutcomes.Repaired),
            "a repair");
        var refunded = Has(report, orderId, FindingKinds.CaptureNotRefunded, FindingOutcomes.Repaired)
            ? report
            : await RunUntilAsync(r => Has(r, orderId, FindingKinds.CaptureNotRefunded, FindingOutcomes.Repaired), "the refund (the provider fails 20 % of calls)");
        var released = Has(report, orderId, FindingKinds.StockHeldByClosedOrder, FindingOutcomes.Repaired) ? report : refunded;
        Assert.True(Has(released, orderId, FindingKinds.StockHeldByClosedOrder, FindingOutcomes.Repaired), "the stock was released in a run");

        Assert.Equal(0L, await UnbackedReservedAsync(sku));
        Assert.Equal("released", await service.ScalarAsync("SELECT state FROM ims.reservations WHERE order_id = $1", orderId));
        Assert.Equal("REFUNDED", await service.ScalarAsync("SELECT status FROM oms.payments WHERE order_id = $1", orderId));
        var release = await service.Broker.EventAsync(Exchanges.InventoryReleased, orderId);
        Assert.Contains("reconciler", release.Body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(
            2L,
            await LongAsync("SELECT count(*) FROM oms.order_events WHERE order_id = $1 AND workflow_id = $2 AND event_type IN ('InventoryReleased', 'PaymentRefunded')", orderId, Reconciler.Origin));
        await AssertLoggedAsync(orderId, FindingKinds.CaptureNotRefunded, FindingOutcomes.Repaired);
        Assert.True(counter.Of(FindingKinds.StockHeldByClosedOrder, FindingOutcomes.Repaired) >= 1);
        Assert.True(counter.Of(FindingKinds.CaptureNotRefunded, FindingOutcomes.Repaired) >= 1);

        // Repaired is repaired: a full cycle later nothing about the order is found, and nothing moved twice.
        var later = await RunUntilAsync(r => r.Checked.OrdersHoldingStock < Reconciler.Options.PageSize && r.Checked.OrdersWithCapture < Reconciler.Options.PageSize, "a run past the end of each page cycle");
        Assert.DoesNotContain(later.Findings, f => f.OrderId == orderId && f.Kind != FindingKinds.WorkflowClosed);
        Assert.Equal(0L, await UnbackedReservedAsync(sku));
        Assert.Single(service.Broker.For(Exchanges.InventoryReleased, orderId));
    }

    [Fact]
    public async Task OrdersWithoutWorkflowAndShippedOrderHoldingStock_AreReportedOnly()
    {
        var open = TestIds.Unique("IT-RECON-OPEN");
        var shipped = TestIds.Unique("IT-RECON-SHIP");
        var sku = TestIds.Unique("RECON-SKU");
        await InsertOrderAsync(open, "RESERVED");
        await InsertOrderAsync(shipped, "SHIPPED");
        await service.ExecuteAsync("INSERT INTO ims.stock_items (sku, on_hand, reserved, reorder_point, reorder_quantity, updated_at) VALUES ($1, 10, 2, 0, 0, now())", sku);
        await service.ExecuteAsync(
            "INSERT INTO ims.reservations (order_id, sku, quantity, state, below_reorder_point_after_consume, created_at, updated_at) VALUES ($1, $2, 2, 'reserved', false, now(), now())",
            shipped, sku);

        var missing = await FindingAsync(open, FindingKinds.WorkflowMissing);
        var held = await FindingAsync(shipped, FindingKinds.StockHeldByClosedOrder);

        Assert.Equal((FindingOutcomes.Reported, "RESERVED"), (missing.Outcome, missing.OrderStatus));
        Assert.Equal((FindingOutcomes.Reported, "SHIPPED"), (held.Outcome, held.OrderStatus));
        Assert.Equal(2L, await LongAsync("SELECT reserved FROM ims.stock_items WHERE sku = $1", sku));
        Assert.Equal("reserved", await service.ScalarAsync("SELECT state FROM ims.reservations WHERE order_id = $1", shipped));
        Assert.Empty(service.Broker.For(Exchanges.InventoryReleased, shipped));
        await AssertLoggedAsync(open, FindingKinds.WorkflowMissing, FindingOutcomes.Reported);
        await AssertLoggedAsync(shipped, FindingKinds.StockHeldByClosedOrder, FindingOutcomes.Reported);
        Assert.True(counter.Of(FindingKinds.WorkflowMissing, FindingOutcomes.Reported) >= 1);
    }

    [Fact]
    public async Task YoungOrders_TakeNoPlaceInAPage_SoTheCursorNeverMovesPastAnOldOne()
    {
        var prefix = TestIds.Unique("IT-RECON-AGE") + "-";
        foreach (var young in new[] { "a", "b", "c" })
        {
            await InsertOrderAsync(prefix + young, "RESERVED");
            await service.ExecuteAsync("UPDATE oms.orders SET updated_at = now() WHERE order_id = $1", prefix + young);
        }

        await InsertOrderAsync(prefix + "d", "RESERVED"); // unchanged for an hour

        await using var scope = service.Services.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<WarehouseOms.Persistence.Reconciliation.IReconciliationQueries>();
        var page = await queries.OpenOrdersAsync(prefix, pageSize: 1, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10), CancellationToken.None);

        // The page after the cursor holds the old order, not the three changed a moment ago.
        Assert.Equal(prefix + "d", Assert.Single(page.Candidates).OrderId);
        Assert.Equal(prefix + "d", page.Next);
    }

    private static object Order(string orderId, string sku) => new
    {
        requestId = orderId + "-req",
        orderId,
        customerId = "CUST-RECON",
        lines = new[] { new { sku, quantity = 1 } },
        shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
    };

    /// <summary>Past the grace period (Reconciler:MinAge, 10 minutes in the fixture).</summary>
    private Task AgeAsync(string orderId) =>
        service.ExecuteAsync("UPDATE oms.orders SET updated_at = now() - interval '1 hour' WHERE order_id = $1", orderId);

    private Task InsertOrderAsync(string orderId, string status) =>
        service.ExecuteAsync(
            """
            INSERT INTO oms.orders (order_id, request_id, customer_id, status, ship_to_name, ship_to_line1, ship_to_city, ship_to_postal_code, ship_to_country, created_at, updated_at)
            VALUES ($1, $1 || '-req', 'CUST-RECON', $2, 'Ada', '1 Main St', 'Springfield', '12345', 'US', now() - interval '1 hour', now() - interval '1 hour')
            """,
            orderId, status);

    /// <summary>Runs the reconciler until a run finds <paramref name="kind"/> for the order (the page cursor cycles through every candidate).</summary>
    private async Task<ReconciliationFinding> FindingAsync(string orderId, string kind)
    {
        var report = await RunUntilAsync(r => r.Findings.Any(f => f.OrderId == orderId && f.Kind == kind), $"a {kind} finding for {orderId}");
        return report.Findings.Single(f => f.OrderId == orderId && f.Kind == kind);
    }

    private async Task<ReconciliationReport> RunUntilAsync(Func<ReconciliationReport, bool> done, string what) =>
        (await Eventually.UntilAsync(() => Reconciler.RunOnceAsync(CancellationToken.None), r => r is not null && done(r), what))!;

    private static bool Has(ReconciliationReport report, string orderId, string kind, string outcome) =>
        report.Findings.Any(f => f.OrderId == orderId && f.Kind == kind && f.Outcome == outcome);

    /// <summary>The last run, as an operator reads it.</summary>
    private async Task AssertListedAsync(string orderId, string kind, string outcome)
    {
        var view = await http.GetFromJsonAsync<JsonElement>("/reconciliation");
        Assert.True(view.GetProperty("enabled").GetBoolean());
        var findings = view.GetProperty("lastRun").GetProperty("findings").EnumerateArray();
        Assert.Contains(findings, f =>
            f.GetProperty("orderId").GetString() == orderId && f.GetProperty("kind").GetString() == kind && f.GetProperty("outcome").GetString() == outcome
            && f.GetProperty("workflowId").GetString() == WorkflowIds.OrderFulfillment(orderId));
    }

    /// <summary>The finding's structured log event: its properties, not only its text.</summary>
    private async Task AssertLoggedAsync(string orderId, string kind, string outcome)
    {
        var events = (await service.LogLinesAsync()).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(events, e =>
            e.TryGetProperty("OrderId", out var id) && id.GetString() == orderId
            && e.TryGetProperty("Kind", out var k) && k.GetString() == kind
            && e.TryGetProperty("Outcome", out var o) && o.GetString() == outcome
            && e.TryGetProperty("WorkflowId", out var w) && w.GetString() == WorkflowIds.OrderFulfillment(orderId));
    }

    /// <summary>The SKU's reserved count less what its reservations hold: 0 at every commit (other tests' orders share the SKU).</summary>
    private Task<long> UnbackedReservedAsync(string sku) => LongAsync(
        "SELECT s.reserved - COALESCE((SELECT sum(r.quantity) FROM ims.reservations r WHERE r.sku = s.sku AND r.state = 'reserved'), 0) FROM ims.stock_items s WHERE s.sku = $1",
        sku);

    private async Task<long> LongAsync(string sql, params object[] parameters) =>
        Convert.ToInt64(await service.ScalarAsync(sql, parameters), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The counter warehouse_oms.reconciler.findings of the meter WarehouseOms, by kind and outcome, while the test runs.</summary>
    private sealed class FindingCounter : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), long> counts = new();

        public FindingCounter()
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == MessagingMetrics.MeterName && instrument.Name == "warehouse_oms.reconciler.findings")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? kind = null, outcome = null;
                foreach (var tag in tags)
                {
                    (kind, outcome) = tag.Key switch
                    {
                        "kind" => (tag.Value as string, outcome),
                        "outcome" => (kind, tag.Value as string),
                        _ => (kind, outcome),
                    };
                }

                counts.AddOrUpdate((kind ?? "", outcome ?? ""), value, (_, c) => c + value);
            });
            listener.Start();
        }

        public long Of(string kind, string outcome) => counts.GetValueOrDefault((kind, outcome));

        public void Dispose() => listener.Dispose();
    }
}
