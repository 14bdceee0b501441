using Temporalio.Api.Enums.V1;
using Temporalio.Exceptions;
using WarehouseOms.Contracts;
using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests;

[Collection(IntakeCollection.Name)]
public sealed class OrderIntakeWorkflowTests(LocalServerFixture server) : WorkflowTest(server.Environment)
{
    [Fact]
    public Task RunAsync_ValidOrder_CreatesOrderAndFulfillmentShipsIt() => RunWithWorkerAsync(async () =>
    {
        var intake = await StartIntakeAsync(Submission());

        var result = await intake.GetResultAsync();

        Assert.Equal(new OrderIntakeResult(OrderId, WorkflowIds.OrderFulfillment(OrderId)), result);
        Assert.Equal("CREATED", await intake.QueryAsync(wf => wf.Status));
        Assert.Equal([ActivityNames.ValidateOrder, ActivityNames.CreateOrder, ActivityNames.EmitOrderEvent], Stubs.Calls.Take(3));

        // The child runs on after intake completed (ParentClosePolicy.Abandon).
        var fulfillment = FulfillmentHandle();
        await WaitForStepAsync(fulfillment, "AwaitPick");
        await SignalPickAsync(fulfillment, "pick-1");
        await WaitForStepAsync(fulfillment, "AwaitPack");
        await SignalPackAsync(fulfillment, "pack-1");
        await SignalDeliveredAsync(fulfillment, "delivered-1");

        var completed = await fulfillment.GetResultAsync();
        Assert.Equal("COMPLETED", completed.Status);
        Assert.Equal($"TRK-{OrderId}", completed.TrackingNumber);
        Assert.Equal(
            [ActivityNames.ValidateOrder, ActivityNames.CreateOrder, ActivityNames.EmitOrderEvent, .. HappyPath],
            Path());
    });

    [Fact]
    public Task RunAsync_StatusQuery_MovesReceivedValidatedCreated() => RunWithWorkerAsync(async () =>
    {
        Stubs.Gate(ActivityNames.ValidateOrder);
        Stubs.Gate(ActivityNames.CreateOrder);
        var intake = await StartIntakeAsync(Submission());

        await Stubs.Entered(ActivityNames.ValidateOrder);
        Assert.Equal("RECEIVED", await intake.QueryAsync(wf => wf.Status));
        Stubs.Open(ActivityNames.ValidateOrder);

        await Stubs.Entered(ActivityNames.CreateOrder);
        await Eventually.UntilAsync(() => intake.QueryAsync(wf => wf.Status), s => s == "VALIDATED", "VALIDATED");
        Stubs.Open(ActivityNames.CreateOrder);

        await intake.GetResultAsync();
        Assert.Equal("CREATED", await intake.QueryAsync(wf => wf.Status));
    });

    [Fact]
    public Task RunAsync_SameRequestIdTwice_OneRunOneOrderOneFulfillment() => RunWithWorkerAsync(async () =>
    {
        Stubs.Gate(ActivityNames.CreateOrder);
        var first = await StartIntakeAsync(Submission());
        await Stubs.Entered(ActivityNames.CreateOrder);

        // Redelivered while running: refused (IdConflictPolicy.Fail); the consumer compares it with the first message.
        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => StartIntakeAsync(Submission()));

        Stubs.Open(ActivityNames.CreateOrder);
        await first.GetResultAsync();

        // Redelivered after completion: refused (IdReusePolicy.RejectDuplicate); the consumer acks it as handled.
        await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => StartIntakeAsync(Submission()));

        await WaitForStepAsync(FulfillmentHandle(), "AwaitPick");
        Assert.Equal(1, Stubs.CountOf(ActivityNames.CreateOrder));
        Assert.Equal(1, Stubs.CountOf(ActivityNames.AllocateInventory));
        var description = await FulfillmentHandle().DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Running, description.Status);
        await SignalCancelAsync(FulfillmentHandle(), "cleanup", "test over");
        await FulfillmentHandle().GetResultAsync();
    });

    [Fact]
    public Task RunAsync_InvalidOrder_RejectsAndFailsPermanently() => RunWithWorkerAsync(async () =>
    {
        var invalid = Submission(new OrderLine("", 1), new OrderLine("SKU-B", -2)) with { ShipTo = null };
        var intake = await StartIntakeAsync(invalid);

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => intake.GetResultAsync());

        var application = Assert.IsType<ApplicationFailureException>(failure.InnerException);
        Assert.Equal(ActivityErrors.InvalidOrder, application.ErrorType);
        Assert.True(application.NonRetryable);
        Assert.Equal("FAILED", await intake.QueryAsync(wf => wf.Status));
        Assert.Equal([ActivityNames.ValidateOrder, ActivityNames.RejectOrder], Stubs.Calls);
        var rejection = Assert.IsType<RejectOrderInput>(Stubs.LastInput[ActivityNames.RejectOrder]);
        Assert.Equal(RequestId, rejection.RequestId);
        Assert.Contains("lines[0].sku: is required.", rejection.Reasons);
        Assert.Contains("lines[1].quantity: must be positive, got -2.", rejection.Reasons);
        Assert.Contains("shipTo: is required.", rejection.Reasons);
    });

    [Fact]
    public Task RunAsync_OrderIdOfAnotherRequest_RejectsNamingThatRequestAndFailsPermanently() => RunWithWorkerAsync(async () =>
    {
        const string conflict = "Order ord-x already exists for request req-earlier; request req-x cannot create it again.";
        Stubs.ConflictCreateOrder(conflict);
        var intake = await StartIntakeAsync(Submission());

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => intake.GetResultAsync());

        var application = Assert.IsType<ApplicationFailureException>(failure.InnerException);
        Assert.Equal(ActivityErrors.IllegalTransition, application.ErrorType);
        Assert.True(application.NonRetryable);
        Assert.Equal("FAILED", await intake.QueryAsync(wf => wf.Status));
        Assert.Equal([ActivityNames.ValidateOrder, ActivityNames.CreateOrder, ActivityNames.RejectOrder], Stubs.Calls);
        var rejection = Assert.IsType<RejectOrderInput>(Stubs.LastInput[ActivityNames.RejectOrder]);
        Assert.Equal(RequestId, rejection.RequestId);
        Assert.Equal(OrderId, rejection.OrderId);
        Assert.Equal([conflict], rejection.Reasons);
    });

    [Fact]
    public Task RunAsync_CreateOrderFailsTwice_RetriesUntilItSucceeds() => RunWithWorkerAsync(async () =>
    {
        Stubs.FailCreateOrder(times: 2);
        var intake = await StartIntakeAsync(Submission());

        var result = await intake.GetResultAsync();

        Assert.Equal(OrderId, result.OrderId);
        Assert.Equal(3, Stubs.CountOf(ActivityNames.CreateOrder));
        Assert.Equal(1, Stubs.CountOf(ActivityNames.EmitOrderEvent));
        Assert.Equal("CREATED", await intake.QueryAsync(wf => wf.Status));
        await SignalCancelAsync(FulfillmentHandle(), "cleanup", "test over");
        await FulfillmentHandle().GetResultAsync();
    });
}
