using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Temporalio.Exceptions;
using WarehouseOms.Contracts;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests;

public sealed class OmsActivitiesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static OrderSubmitted Submission(string requestId, string orderId, params OrderLine[] lines) =>
        new(requestId, orderId, "cust-42", lines.Length == 0 ? [new OrderLine("WIDGET-RED", 2)] : lines, new ShipTo("Ada Lovelace", "12 Analytical Row", "London", "N1 9GU", "GB"));

    private async Task<ValidatedOrder> CreateAsync(string requestId, string orderId)
    {
        var intake = new ActivityCall($"order-intake-{requestId}", "1");
        var order = await db.RunAsync<OmsActivities, ValidatedOrder>(intake, a => a.ValidateOrderAsync(new(requestId, "msg-1", Submission(requestId, orderId))));
        await db.RunAsync<OmsActivities, OrderRef>(intake with { ActivityId = "2" }, a => a.CreateOrderAsync(order));
        return order;
    }

    [Fact]
    public async Task ValidateOrder_ValidSubmission_ReturnsNormalisedValidatedOrder()
    {
        var requestId = TestIds.Unique("req");
        var orderId = TestIds.Unique("ord");

        var order = await db.RunAsync<OmsActivities, ValidatedOrder>(
            new ActivityCall($"order-intake-{requestId}", "1"),
            a => a.ValidateOrderAsync(new(requestId, "msg-1", Submission(requestId, $" {orderId} ", new OrderLine(" WIDGET-RED ", 2), new OrderLine("KIT-STARTER", 1), new OrderLine("WIDGET-RED", 3)))));

        Assert.Equal(orderId, order.OrderId);
        Assert.Equal([new LineItem("WIDGET-RED", 5), new LineItem("KIT-STARTER", 1)], order.Lines);
        Assert.Equal("GB", order.ShipTo.Country);
    }

    [Fact]
    public async Task ValidateOrder_InvalidSubmission_NonRetryableInvalidOrderWithEveryReason()
    {
        var requestId = TestIds.Unique("req");
        var submitted = new OrderSubmitted(requestId, null, "cust-1", [new OrderLine("A", -1), new OrderLine(null, 1)], null);

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<OmsActivities, ValidatedOrder>(new ActivityCall($"order-intake-{requestId}", "1"), a => a.ValidateOrderAsync(new(requestId, "msg-1", submitted))));

        Assert.Equal(ActivityErrors.InvalidOrder, error.ErrorType);
        Assert.True(error.NonRetryable);
        var reasons = error.Details.ElementAt<IReadOnlyList<string>>(0);
        Assert.Contains(reasons, r => r.StartsWith("orderId", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("lines[0].quantity", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("lines[1].sku", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("shipTo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateOrder_RunTwice_OneOrderWithItsLines()
    {
        var requestId = TestIds.Unique("req");
        var orderId = TestIds.Unique("ord");
        var order = await CreateAsync(requestId, orderId);

        var again = await db.RunAsync<OmsActivities, OrderRef>(new ActivityCall($"order-intake-{requestId}", "2", Attempt: 2), a => a.CreateOrderAsync(order));

        Assert.Equal(orderId, again.OrderId);
        var stored = await db.QueryAsync(ctx => ctx.Orders.AsNoTracking().Include(o => o.Lines).SingleAsync(o => o.OrderId == orderId));
        Assert.Equal(OrderStatus.Created, stored.Status);
        Assert.Equal(requestId, stored.RequestId);
        Assert.Single(stored.Lines);
    }

    [Fact]
    public async Task CreateOrder_SameOrderIdFromAnotherRequest_IllegalTransition()
    {
        var orderId = TestIds.Unique("ord");
        var order = await CreateAsync(TestIds.Unique("req"), orderId);
        var otherRequest = TestIds.Unique("req");

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<OmsActivities, OrderRef>(new ActivityCall($"order-intake-{otherRequest}", "2"), a => a.CreateOrderAsync(order with { RequestId = otherRequest })));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
    }

    [Fact]
    public async Task EmitOrderEvent_RunTwiceAndFromAnotherRun_OneOrderCreatedMessage()
    {
        var requestId = TestIds.Unique("req");
        var orderId = TestIds.Unique("ord");
        var order = await CreateAsync(requestId, orderId);
        var emit = new ActivityCall($"order-intake-{requestId}", "3");

        await db.RunAsync<OmsActivities>(emit, a => a.EmitOrderEventAsync(order));
        await db.RunAsync<OmsActivities>(emit.Retry(), a => a.EmitOrderEventAsync(order));
        await db.RunAsync<OmsActivities>(emit with { RunId = "run-2" }, a => a.EmitOrderEventAsync(order));

        var message = Assert.Single(await db.OutboxForOrderAsync(orderId));
        Assert.Equal(Exchanges.OrderCreated, message.Exchange);
        Assert.Equal(Exchanges.OrderCreated, message.MessageType);
        var payload = JsonDocument.Parse(message.Payload).RootElement;
        Assert.Equal(requestId, payload.GetProperty("requestId").GetString());
        Assert.Equal("WIDGET-RED", payload.GetProperty("lines")[0].GetProperty("sku").GetString());
    }

    [Fact]
    public async Task RejectOrder_RunTwice_OneRejectionAndOneEventWithReasons()
    {
        var requestId = TestIds.Unique("req");
        var orderId = TestIds.Unique("ord");
        var call = new ActivityCall($"order-intake-{requestId}", "2");
        var input = new RejectOrderInput(requestId, orderId, ["lines[0].quantity: must be positive, got -1."]);

        await db.RunAsync<OmsActivities>(call, a => a.RejectOrderAsync(input));
        await db.RunAsync<OmsActivities>(call.Retry(), a => a.RejectOrderAsync(input));

        var rejection = await db.QueryAsync(ctx => ctx.OrderRejections.AsNoTracking().SingleAsync(r => r.RequestId == requestId));
        Assert.Equal(input.Reasons, rejection.Reasons);
        var message = Assert.Single(await db.OutboxForOrderAsync(orderId));
        Assert.Equal(Exchanges.OrderRejected, message.Exchange);
        Assert.Equal(input.Reasons[0], JsonDocument.Parse(message.Payload).RootElement.GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public async Task MarkOrderShipped_AfterReserved_ShipsOnceWithOneEvent()
    {
        var requestId = TestIds.Unique("req");
        var orderId = TestIds.Unique("ord");
        await CreateAsync(requestId, orderId);
        await db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "2"), a => a.MarkOrderReservedAsync(new(orderId)));
        var ship = ActivityCall.For(orderId, "12");
        var input = new MarkOrderShippedInput(orderId, $"shp-{orderId}", "WHX000000000001");

        await db.RunAsync<OmsActivities>(ship, a => a.MarkOrderShippedAsync(input));
        await db.RunAsync<OmsActivities>(ship.Retry(), a => a.MarkOrderShippedAsync(input));

        var stored = await db.QueryAsync(ctx => ctx.Orders.AsNoTracking().SingleAsync(o => o.OrderId == orderId));
        Assert.Equal(OrderStatus.Shipped, stored.Status);
        Assert.Equal("WHX000000000001", stored.TrackingNumber);
        var message = Assert.Single(await db.OutboxForOrderAsync(orderId));
        Assert.Equal(Exchanges.OrderShipped, message.Exchange);
    }

    [Fact]
    public async Task MarkOrderShipped_NotReserved_IllegalTransition()
    {
        var orderId = TestIds.Unique("ord");
        await CreateAsync(TestIds.Unique("req"), orderId);

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "12"), a => a.MarkOrderShippedAsync(new(orderId, "shp-x", "WHX1"))));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        Assert.True(error.NonRetryable);
    }

    [Fact]
    public async Task MarkOrderCancelled_ThenFailed_CancelledStaysAndSecondIsIllegal()
    {
        var orderId = TestIds.Unique("ord");
        await CreateAsync(TestIds.Unique("req"), orderId);
        var cancel = ActivityCall.For(orderId, "3");

        await db.RunAsync<OmsActivities>(cancel, a => a.MarkOrderCancelledAsync(new(orderId, "customer changed their mind")));
        await db.RunAsync<OmsActivities>(cancel.Retry(), a => a.MarkOrderCancelledAsync(new(orderId, "customer changed their mind")));
        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "4"), a => a.MarkOrderFailedAsync(new(orderId, "pick timeout"))));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        var stored = await db.QueryAsync(ctx => ctx.Orders.AsNoTracking().SingleAsync(o => o.OrderId == orderId));
        Assert.Equal(OrderStatus.Cancelled, stored.Status);
        Assert.Equal("customer changed their mind", stored.StatusReason);
        Assert.Equal([Exchanges.OrderCancelled], (await db.OutboxForOrderAsync(orderId)).Select(m => m.Exchange));
    }

    [Fact]
    public async Task MarkOrderFailed_UnknownOrder_NonRetryableUnknownOrder()
    {
        var orderId = TestIds.Unique("ord");

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<OmsActivities>(ActivityCall.For(orderId, "1"), a => a.MarkOrderFailedAsync(new(orderId, "allocation failed"))));

        Assert.Equal(ActivityErrors.UnknownOrder, error.ErrorType);
        Assert.True(error.NonRetryable);
    }
}
