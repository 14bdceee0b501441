using Microsoft.Extensions.DependencyInjection;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using WarehouseOms.Contracts;
using WarehouseOms.Workflows;

namespace WarehouseOms.IntegrationTests;

/// <summary>Consuming stock below the reorder point requests a replenishment; a stock receipt answers it.</summary>
[Collection(ServiceCollection.Name)]
public sealed class ReplenishmentFlowTests(ServiceFixture service)
{
    // CABLE-USB: 200 on hand, reorder point 50 in the demo catalogue; no other test picks it.
    private const string Sku = "CABLE-USB";

    [Fact]
    public async Task PickTakingStockBelowReorderPoint_RequestsReplenishment_ReceiptAddsStock()
    {
        var orderId = $"IT-REPL-{Guid.NewGuid():N}"[..20];
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, new
        {
            requestId = orderId + "-req",
            orderId,
            customerId = "CUST-IT",
            lines = new[] { new { sku = Sku, quantity = 160 } },
            shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
        }, orderId + "-submit");
        await service.ApprovePaymentAsync(orderId);
        await Eventually.UntilAsync(() => service.Broker.For(Exchanges.PickWaveCreated, orderId).Count > 0, "pick wave");
        await service.Broker.PublishAsync(Exchanges.PickCompleted,
            new { orderId, deviceId = "scanner-1", lines = new[] { new { sku = Sku, quantity = 160 } } }, orderId + "-pick");

        await Eventually.UntilAsync(
            () => service.Broker.Received.Any(m => m.Exchange == Exchanges.ReplenishmentRequested && m.Body.GetProperty("sku").GetString() == Sku),
            "replenishment-requested for " + Sku);

        await service.Broker.PublishAsync(Exchanges.StockReceived, new { receiptId = orderId + "-rcpt", sku = Sku, quantity = 200 }, orderId + "-rcpt");
        var onHand = await Eventually.UntilAsync(
            () => service.ScalarAsync("SELECT on_hand FROM ims.stock_items WHERE sku = $1", Sku),
            v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) == 240,
            "stock after the receipt");
        Assert.Equal(240, Convert.ToInt32(onHand, System.Globalization.CultureInfo.InvariantCulture));

        // The receipt reached the SKU's replenishment workflow, which is done.
        var replenishment = service.Services.GetRequiredService<ITemporalClient>().GetWorkflowHandle(WorkflowIds.Replenishment(Sku));
        await Eventually.UntilAsync(
            async () => (await replenishment.DescribeAsync()).Status,
            status => status == WorkflowExecutionStatus.Completed,
            "replenishment completed");
    }

    [Fact]
    public async Task NoReceiptWithinOverdueTime_EscalatesWithReplenishmentOverdue()
    {
        // A SKU of its own (10 on hand, reorder point 8), so that no other test's stock is touched.
        var sku = $"IT-OVD-{Guid.NewGuid():N}"[..18].ToUpperInvariant();
        await service.ScalarAsync(
            "INSERT INTO ims.stock_items (sku, on_hand, reserved, reorder_point, reorder_quantity, updated_at) VALUES ($1, 10, 0, 8, 20, now())", sku);
        var orderId = $"IT-OVD-{Guid.NewGuid():N}"[..20];
        await service.Broker.PublishAsync(Exchanges.OrderSubmitted, new
        {
            requestId = orderId + "-req",
            orderId,
            customerId = "CUST-IT",
            lines = new[] { new { sku, quantity = 5 } },
            shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
        }, orderId + "-submit");
        await service.ApprovePaymentAsync(orderId);
        await Eventually.UntilAsync(() => service.Broker.For(Exchanges.PickWaveCreated, orderId).Count > 0, "pick wave");
        await service.Broker.PublishAsync(Exchanges.PickCompleted,
            new { orderId, deviceId = "scanner-1", lines = new[] { new { sku, quantity = 5 } } }, orderId + "-pick");

        // Fixture: Fulfillment:ReplenishmentOverdueAfter = 5 s.
        await Eventually.UntilAsync(
            () => service.Broker.Received.Any(m => m.Exchange == Exchanges.ReplenishmentOverdue && m.Body.GetProperty("sku").GetString() == sku),
            "replenishment-overdue for " + sku,
            TimeSpan.FromSeconds(60));
        Assert.Single(service.Broker.Received, m => m.Exchange == Exchanges.ReplenishmentRequested && m.Body.GetProperty("sku").GetString() == sku);

        // Still waiting after the escalation: a receipt completes it.
        await service.Broker.PublishAsync(Exchanges.StockReceived, new { receiptId = orderId + "-rcpt", sku, quantity = 20 }, orderId + "-rcpt");
        var replenishment = service.Services.GetRequiredService<ITemporalClient>().GetWorkflowHandle(WorkflowIds.Replenishment(sku));
        await Eventually.UntilAsync(
            async () => (await replenishment.DescribeAsync()).Status,
            status => status == WorkflowExecutionStatus.Completed,
            "replenishment completed after the escalation");
    }
}
