using System.Text.Json;
using Temporalio.Exceptions;
using WarehouseOms.Activities.Replenishment;
using WarehouseOms.Contracts;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Replenishment;

namespace WarehouseOms.Activities.Tests;

public sealed class ReplenishmentActivitiesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task RequestReplenishment_RunTwice_OneEventWithTheReorderQuantity()
    {
        var sku = TestIds.Unique("sku");
        await db.AddStockAsync(sku, onHand: 3, reorderPoint: 5);
        var call = new ActivityCall(WorkflowIds.Replenishment(sku), "1");

        var first = await db.RunAsync<ReplenishmentActivities, ReplenishmentRequested>(call, a => a.RequestReplenishmentAsync(new(sku)));
        var second = await db.RunAsync<ReplenishmentActivities, ReplenishmentRequested>(call.Retry(), a => a.RequestReplenishmentAsync(new(sku)));

        // The fixture sets the reorder quantity to twice the reorder point.
        Assert.Equal((3, 5, 10), (first.OnHand, first.ReorderPoint, first.RequestedQuantity));
        Assert.Equal(first.RequestedQuantity, second.RequestedQuantity);
        var message = Assert.Single(await db.OutboxForOrderAsync(sku));
        Assert.Equal(Exchanges.ReplenishmentRequested, message.Exchange);
        var payload = JsonDocument.Parse(message.Payload).RootElement;
        Assert.Equal(sku, payload.GetProperty("sku").GetString());
        Assert.Equal(10, payload.GetProperty("requestedQuantity").GetInt32());
    }

    [Fact]
    public async Task RequestReplenishment_UnknownSku_NonRetryableAndNoEvent()
    {
        var sku = TestIds.Unique("sku");

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<ReplenishmentActivities, ReplenishmentRequested>(new ActivityCall(WorkflowIds.Replenishment(sku), "1"), a => a.RequestReplenishmentAsync(new(sku))));

        Assert.Equal(ReplenishmentErrors.UnknownSku, error.ErrorType);
        Assert.True(error.NonRetryable);
        Assert.Empty(await db.OutboxForOrderAsync(sku));
    }

    [Fact]
    public async Task MarkReplenishmentOverdue_RunTwice_OneOverdueEvent()
    {
        var sku = TestIds.Unique("sku");
        var call = new ActivityCall(WorkflowIds.Replenishment(sku), "3");
        var requestedAt = DateTimeOffset.UtcNow.AddHours(-48);

        await db.RunAsync<ReplenishmentActivities>(call, a => a.MarkReplenishmentOverdueAsync(new(sku, requestedAt)));
        await db.RunAsync<ReplenishmentActivities>(call.Retry(), a => a.MarkReplenishmentOverdueAsync(new(sku, requestedAt)));

        var message = Assert.Single(await db.OutboxForOrderAsync(sku));
        Assert.Equal(Exchanges.ReplenishmentOverdue, message.Exchange);
    }
}
