using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Cart;
using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Cart;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests.Cart;

[CollectionDefinition(Name)]
public sealed class CartCollection : ICollectionFixture<LocalServerFixture>
{
    public const string Name = "Cart workflow on the dev server";
}

/// <summary>
/// Stands in for the order team's intake: registered under the real workflow type name, it returns its
/// input, so a test reads exactly what the cart submitted from the intake's result.
/// </summary>
[Workflow(OrderIntakeWorkflow.WorkflowType)]
public sealed class RecordingIntakeWorkflow
{
    [WorkflowRun]
    public Task<OrderIntakeInput> RunAsync(OrderIntakeInput input) => Task.FromResult(input);
}

[Collection(CartCollection.Name)]
public sealed class CartWorkflowTests(LocalServerFixture server)
{
    private readonly string taskQueue = $"carts-{Guid.NewGuid():N}";
    private readonly string customerId = $"cust-{Guid.NewGuid():N}"[..20];

    private ITemporalClient Client => server.Environment.Client;

    private string CartId => WorkflowIds.Cart(customerId);

    [Fact]
    public Task Signals_AddRemoveReset_QueryReflectsEachChange() => RunWithWorkerAsync(async () =>
    {
        var cart = await SignalWithStartAsync(CartSignalNames.AddItems, new CartItemsSignal("m1", [new("SKU-A", 2), new("SKU-B", 1)]));
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m2", [new("SKU-A", 3)])]);
        await cart.SignalAsync(CartSignalNames.RemoveItems, [new CartItemsSignal("m3", [new("SKU-B", 1), new("SKU-A", 1)])]);

        var view = await WaitForVersionAsync(cart, 3);
        Assert.Equal(customerId, view.CustomerId);
        Assert.Equal([new LineItem("SKU-A", 4)], view.Items);
        Assert.NotNull(view.UpdatedAt);

        await cart.SignalAsync(CartSignalNames.Reset, [new CartResetSignal("m4")]);
        var reset = await WaitForVersionAsync(cart, 4);
        Assert.Empty(reset.Items);
    });

    [Fact]
    public Task SignalWithStart_SecondMessage_SignalsTheRunningCart() => RunWithWorkerAsync(async () =>
    {
        var first = await SignalWithStartAsync(CartSignalNames.AddItems, new CartItemsSignal("m1", [new("SKU-A", 1)]));
        await SignalWithStartAsync(CartSignalNames.AddItems, new CartItemsSignal("m2", [new("SKU-A", 1)]));

        var view = await WaitForVersionAsync(first, 2);
        Assert.Equal([new LineItem("SKU-A", 2)], view.Items);
    });

    [Fact]
    public Task AddItems_DuplicateMessageId_AppliedOnce() => RunWithWorkerAsync(async () =>
    {
        var cart = await SignalWithStartAsync(CartSignalNames.AddItems, new CartItemsSignal("m1", [new("SKU-A", 2)]));
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m1", [new("SKU-A", 2)])]);
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m2", [new("SKU-B", 1)])]);

        // m2 is applied after the redelivered m1 (signals are ordered): once version 2 shows, m1's copy was handled.
        var view = await WaitForVersionAsync(cart, 2);
        Assert.Equal([new LineItem("SKU-A", 2), new LineItem("SKU-B", 1)], view.Items);
    });

    [Fact]
    public Task AddItems_InvalidQuantity_RejectedWithoutFailingTheCart() => RunWithWorkerAsync(async () =>
    {
        var cart = await SignalWithStartAsync(CartSignalNames.AddItems, new CartItemsSignal("m1", [new("SKU-A", -1)]));
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m2", [new("SKU-B", 1)])]);

        var view = await WaitForVersionAsync(cart, 1);
        Assert.Equal([new LineItem("SKU-B", 1)], view.Items);
        Assert.Equal(WorkflowExecutionStatus.Running, (await cart.DescribeAsync()).Status);
    });

    [Fact]
    public Task Signals_ManyConcurrentAcrossContinueAsNew_NoneLostAndDedupeSurvives() => RunWithWorkerAsync(async () =>
    {
        const int Messages = 40;
        var options = new CartWorkflowOptions(MaxSignalsPerRun: 5);
        var cart = await SignalWithStartAsync(CartSignalNames.AddItems, new CartItemsSignal("m-0", [new("SKU-A", 1)]), options);
        var firstRunId = cart.ResultRunId ?? throw new InvalidOperationException("No run ID");

        // Sent all at once: many land while a run is continuing as new.
        var latest = Client.GetWorkflowHandle<CartWorkflow>(CartId);
        await Task.WhenAll(Enumerable.Range(1, Messages - 1).Select(i =>
            latest.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal($"m-{i}", [new("SKU-A", 1)])])));

        var view = await WaitForVersionAsync(latest, Messages);
        Assert.Equal([new LineItem("SKU-A", Messages)], view.Items);

        // The first run really continued as new, more than once.
        var firstRun = await Client.GetWorkflowHandle(CartId, runId: firstRunId).DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.ContinuedAsNew, firstRun.Status);
        var current = await latest.DescribeAsync();
        Assert.NotEqual(firstRunId, current.RunId);

        // Redeliveries of messages applied in earlier runs change nothing; a new message still counts.
        foreach (var i in new[] { 0, 1, 2, 3 })
        {
            await latest.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal($"m-{i}", [new("SKU-A", 1)])]);
        }

        await latest.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m-new", [new("SKU-B", 1)])]);
        var after = await WaitForVersionAsync(latest, Messages + 1);
        Assert.Equal([new LineItem("SKU-A", Messages), new LineItem("SKU-B", 1)], after.Items);
    });

    [Fact]
    public Task Checkout_WithItems_StartsIntakeWithCartItemsAndEmptiesCart() => RunWithWorkerAsync(async () =>
    {
        var requestId = $"req-{Guid.NewGuid():N}"[..20];
        var shipTo = new ShipTo("Ada Lovelace", "1 Analytical Way", "London", "N1 1AA", "GB");
        var cart = await SignalWithStartAsync(CartSignalNames.AddItems, new CartItemsSignal("m1", [new("SKU-B", 1), new("SKU-A", 2)]));
        await cart.SignalAsync(CartSignalNames.Checkout, [new CartCheckoutSignal("m2", requestId, shipTo)]);
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m3", [new("SKU-C", 1)])]);

        var intake = await Eventually.UntilAsync(
            async () => await TryGetIntakeResultAsync(requestId),
            r => r is not null,
            "the intake workflow started by checkout");

        Assert.Equal(requestId, intake!.RequestId);
        Assert.Equal("m2", intake.MessageId);
        Assert.Equal(CartCheckout.OrderIdFor(requestId), intake.Submitted.OrderId);
        Assert.Equal(customerId, intake.Submitted.CustomerId);
        Assert.Equal([new OrderLine("SKU-A", 2), new OrderLine("SKU-B", 1)], intake.Submitted.Lines);
        Assert.Equal(shipTo, intake.Submitted.ShipTo);

        // Added after checkout: belongs to the next order.
        var view = await WaitForVersionAsync(cart, 3);
        Assert.Equal([new LineItem("SKU-C", 1)], view.Items);

        // The same checkout again (redelivered under a new message ID) keeps the cart and starts nothing.
        await cart.SignalAsync(CartSignalNames.Checkout, [new CartCheckoutSignal("m4", requestId, shipTo)]);
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m5", [new("SKU-C", 1)])]);
        var kept = await WaitForVersionAsync(cart, 4);
        Assert.Equal([new LineItem("SKU-C", 2)], kept.Items);
        Assert.Equal(WorkflowExecutionStatus.Running, (await cart.DescribeAsync()).Status);
    });

    [Fact]
    public Task Checkout_EmptyCart_StartsNoIntake() => RunWithWorkerAsync(async () =>
    {
        var requestId = $"req-{Guid.NewGuid():N}"[..20];
        var cart = await SignalWithStartAsync(CartSignalNames.Checkout, new CartCheckoutSignal("m1", requestId, null));
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m2", [new("SKU-A", 1)])]);

        // The add is handled after the checkout: any intake the checkout started is visible by then.
        await WaitForVersionAsync(cart, 1);
        Assert.False(await IntakeExistsAsync(requestId));
    });

    [Fact]
    public Task History_OfRunWithCheckoutAndContinueAsNew_ReplaysDeterministically() => RunWithWorkerAsync(async () =>
    {
        var options = new CartWorkflowOptions(MaxSignalsPerRun: 4);
        var cart = await SignalWithStartAsync(CartSignalNames.AddItems, new CartItemsSignal("m1", [new("SKU-A", 2)]), options);
        var firstRunId = cart.ResultRunId!;
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m1", [new("SKU-A", 2)])]);
        await cart.SignalAsync(CartSignalNames.Checkout, [new CartCheckoutSignal("m2", $"req-{Guid.NewGuid():N}"[..20], null)]);
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m3", [new("SKU-B", 1)])]);
        await cart.SignalAsync(CartSignalNames.AddItems, [new CartItemsSignal("m4", [new("SKU-B", 1)])]);
        await WaitForVersionAsync(Client.GetWorkflowHandle<CartWorkflow>(CartId), 4);

        var firstRun = Client.GetWorkflowHandle(CartId, runId: firstRunId);
        await Eventually.UntilAsync(
            async () => (await firstRun.DescribeAsync()).Status,
            s => s == WorkflowExecutionStatus.ContinuedAsNew,
            "first cart run continued as new");
        var history = await firstRun.FetchHistoryAsync();

        var replay = await new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<CartWorkflow>())
            .ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.Null(replay.ReplayFailure);
    });

    private async Task<bool> IntakeExistsAsync(string requestId)
    {
        try
        {
            await Client.GetWorkflowHandle(WorkflowIds.OrderIntake(requestId)).DescribeAsync();
            return true;
        }
        catch (Temporalio.Exceptions.RpcException ex) when (ex.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<OrderIntakeInput?> TryGetIntakeResultAsync(string requestId)
    {
        var handle = Client.GetWorkflowHandle(WorkflowIds.OrderIntake(requestId));
        try
        {
            var description = await handle.DescribeAsync();
            return description.Status == WorkflowExecutionStatus.Completed ? await handle.GetResultAsync<OrderIntakeInput>() : null;
        }
        catch (Temporalio.Exceptions.RpcException ex) when (ex.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<WorkflowHandle<CartWorkflow>> SignalWithStartAsync(string signal, object payload, CartWorkflowOptions? options = null)
    {
        var start = CartWorkflow.StartOptions(customerId, taskQueue);
        start.SignalWithStart(signal, [payload]);
        var input = new CartWorkflowInput(customerId, null, (options ?? new()) with { OrderTaskQueue = taskQueue });
        return await Client.StartWorkflowAsync((CartWorkflow wf) => wf.RunAsync(input), start);
    }

    private static Task<CartView> WaitForVersionAsync(WorkflowHandle<CartWorkflow> cart, long version) =>
        Eventually.UntilAsync(
            () => cart.QueryAsync(wf => wf.Get),
            v => v.Version >= version,
            $"cart version {version}",
            TimeSpan.FromSeconds(60));

    private async Task RunWithWorkerAsync(Func<Task> body)
    {
        using var worker = new TemporalWorker(
            Client,
            new TemporalWorkerOptions(taskQueue).AddWorkflow<CartWorkflow>().AddWorkflow<RecordingIntakeWorkflow>());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await worker.ExecuteAsync(body, deadline.Token);
    }
}
