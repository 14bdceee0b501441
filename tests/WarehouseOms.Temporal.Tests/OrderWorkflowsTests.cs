using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Temporalio.Client;
using WarehouseOms.Contracts;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;
using DevServer = WarehouseOms.TemporalDevServer.TemporalDevServer;

namespace WarehouseOms.Temporal.Tests;

/// <summary>One embedded dev server for the class; no worker: runs are started, terminated and signalled.</summary>
public sealed class DevServerFixture : IAsyncLifetime
{
    private DevServer? server;

    public ITemporalClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        server = await DevServer.StartAsync(new() { Port = 0 });
        Client = await TemporalClient.ConnectAsync(new(server.Target));
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>The typed order API against a real frontend: outcomes from status codes and descriptions.</summary>
public sealed class OrderWorkflowsTests(DevServerFixture fixture) : IClassFixture<DevServerFixture>
{
    private readonly string taskQueue = $"no-worker-{Guid.NewGuid():N}";
    private readonly string orderId = $"ord-{Guid.NewGuid():N}"[..20];

    private TemporalOrderWorkflows Orders => new(
        fixture.Client, Options.Create(new TemporalOptions { OrderTaskQueue = taskQueue }), NullLogger<TemporalOrderWorkflows>.Instance);

    [Fact]
    public async Task StartIntakeAsync_AgainWhileRunningOrAfterItClosed_AlreadyHandled()
    {
        var input = new OrderIntakeInput($"req-{orderId}", "msg-1", new OrderSubmitted($"req-{orderId}", orderId, "cust-1", [], null));

        Assert.Equal(StartOutcome.Started, await Orders.StartIntakeAsync(input, CancellationToken.None));
        // The intake refuses a second start while it runs (conflict policy Fail): the consumer then compares
        // the message with the recorded submission (ADR 0013).
        Assert.Equal(StartOutcome.AlreadyHandled, await Orders.StartIntakeAsync(input, CancellationToken.None));
        Assert.Equal("msg-1", (await Orders.FindIntakeAsync(input.RequestId, CancellationToken.None))?.MessageId);
        await fixture.Client.GetWorkflowHandle(WorkflowIds.OrderIntake(input.RequestId)).TerminateAsync("test");

        Assert.Equal(StartOutcome.AlreadyHandled, await Orders.StartIntakeAsync(input, CancellationToken.None));
    }

    [Fact]
    public async Task SignalFulfillmentAsync_NoWorkflow_WorkflowNotFound()
    {
        var error = await Assert.ThrowsAsync<WorkflowNotFoundException>(() =>
            Orders.SignalFulfillmentAsync(orderId, wf => wf.CancelOrderAsync(new CancelOrderSignal("msg-1", "test")), CancellationToken.None));

        Assert.Equal(WorkflowIds.OrderFulfillment(orderId), error.WorkflowId);
    }

    [Fact]
    public async Task SignalFulfillmentAsync_RunningThenClosed_DeliveredThenWorkflowClosed()
    {
        var input = new FulfillmentInput(orderId, "cust-1", [new LineItem("SKU-A", 1)], new Address("A", "B", "C", "D", "GB"));
        var handle = await fixture.Client.StartWorkflowAsync(
            (OrderFulfillmentWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(WorkflowIds.OrderFulfillment(orderId), taskQueue));

        Assert.Equal(
            SignalOutcome.Delivered,
            await Orders.SignalFulfillmentAsync(orderId, wf => wf.CancelOrderAsync(new CancelOrderSignal("msg-1", "test")), CancellationToken.None));
        await handle.TerminateAsync("test");

        Assert.Equal(
            SignalOutcome.WorkflowClosed,
            await Orders.SignalFulfillmentAsync(orderId, wf => wf.CancelOrderAsync(new CancelOrderSignal("msg-2", "test")), CancellationToken.None));
    }

    [Fact]
    public async Task ReadFulfillmentAsync_NoWorkflow_ReasonNotError()
    {
        var live = await Orders.ReadFulfillmentAsync(orderId, CancellationToken.None);

        Assert.Null(live.Snapshot);
        Assert.Contains("not found", live.UnavailableReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFulfillmentAsync_TemporalUnreachable_ReasonNotError()
    {
        var unreachable = TemporalClient.CreateLazy(new TemporalClientConnectOptions("127.0.0.1:1"));
        var orders = new TemporalOrderWorkflows(unreachable, Options.Create(new TemporalOptions()), NullLogger<TemporalOrderWorkflows>.Instance);

        var live = await orders.ReadFulfillmentAsync(orderId, CancellationToken.None);

        Assert.StartsWith("Temporal unavailable", live.UnavailableReason, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkflowCalls_TypedSignal_NameFromTheAttributeAndPayload()
    {
        var signal = new ApprovePaymentSignal("msg-1", "finance");
        System.Linq.Expressions.Expression<Func<OrderFulfillmentWorkflow, Task>> call = wf => wf.ApprovePaymentAsync(signal);

        Assert.Equal((SignalNames.ApprovePayment, (object)signal), (WorkflowCalls.SignalName(call), WorkflowCalls.Argument(call)!));
    }
}
