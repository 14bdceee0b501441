using Temporalio.Client;
using Temporalio.Testing;
using Temporalio.Worker;
using WarehouseOms.Contracts;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Workflows.Tests.Infrastructure;

/// <summary>A fresh task queue, stub set and order ID per test; the workflows under test on a real worker.</summary>
public abstract class WorkflowTest(WorkflowEnvironment environment)
{
    /// <summary>Fulfillment's activities when auto-approved (the test default) and delivered.</summary>
    protected static readonly string[] HappyPath =
    [
        ActivityNames.AllocateInventory, ActivityNames.MarkOrderReserved, ActivityNames.MarkOrderAwaitingPayment,
        ActivityNames.ProcessPayment, ActivityNames.MarkOrderPaid, ActivityNames.SendOrderConfirmation,
        ActivityNames.CreatePickWave, ActivityNames.ConsumeInventory, ActivityNames.CreateShipment,
        ActivityNames.GenerateShippingLabel, ActivityNames.ConfirmShipment, ActivityNames.MarkOrderShipped,
        ActivityNames.MarkOrderCompleted,
    ];

    /// <summary>The number of <see cref="HappyPath"/> calls up to and including the pick wave.</summary>
    protected const int UpToPickWave = 7;

    protected static readonly string[] Enrichment =
        [ActivityNames.FetchCustomerProfile, ActivityNames.FetchInventorySnapshot, ActivityNames.FetchRecommendations];

    protected static readonly FulfillmentOptions AutoApproved = new(Payment: new PaymentOptions(AutoApprove: true));

    protected WorkflowEnvironment Environment { get; } = environment;

    protected ITemporalClient Client => Environment.Client;

    protected string TaskQueue { get; } = $"orders-{Guid.NewGuid():N}";

    protected StubActivities Stubs { get; } = new();

    protected string OrderId { get; } = $"ord-{Guid.NewGuid():N}"[..20];

    protected string RequestId { get; } = $"req-{Guid.NewGuid():N}"[..20];

    protected static TimeSpan Deadline => TimeSpan.FromSeconds(60);

    /// <summary>The calls without the enrichment lookups, which run in parallel (so in no fixed order).</summary>
    protected IEnumerable<string> Path() => Stubs.Calls.Where(c => !Enrichment.Contains(c));

    /// <summary>Runs <paramref name="body"/> with a worker and returns its value; the worker stops afterwards.</summary>
    protected async Task<T> RunWithWorkerAsync<T>(Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        T value = default!;
        await RunWithWorkerAsync(async () => { value = await body(); });
        return value;
    }

    protected Task RunWithWorkerAsync(Func<Task> body)
    {
        var options = new TemporalWorkerOptions(TaskQueue)
            .AddWorkflow<OrderIntakeWorkflow>()
            .AddWorkflow<OrderFulfillmentWorkflow>()
            .AddAllActivities(Stubs);
        var worker = new TemporalWorker(Client, options);
        return RunAndDisposeAsync(worker, body);
    }

    protected OrderSubmitted Submission(params OrderLine[] lines) => new(
        RequestId,
        OrderId,
        "cust-1",
        lines.Length > 0 ? lines : [new OrderLine("SKU-A", 2), new OrderLine("SKU-B", 1)],
        new ShipTo("Ada Lovelace", "1 Analytical Way", "London", "N1 1AA", "GB"));

    /// <summary>Payment approved automatically unless the options say otherwise (most tests are about other steps).</summary>
    protected FulfillmentInput Fulfillment(FulfillmentOptions? options = null, params LineItem[] lines) => new(
        OrderId,
        "cust-1",
        lines.Length > 0 ? lines : [new LineItem("SKU-A", 2), new LineItem("SKU-B", 1)],
        new Address("Ada Lovelace", "1 Analytical Way", "London", "N1 1AA", "GB"),
        (options ?? AutoApproved) with { Payment = options?.Payment ?? AutoApproved.Payment });

    protected Task<WorkflowHandle<OrderFulfillmentWorkflow, FulfillmentResult>> StartFulfillmentAsync(FulfillmentInput input) =>
        Client.StartWorkflowAsync(
            (OrderFulfillmentWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(WorkflowIds.OrderFulfillment(input.OrderId), TaskQueue));

    protected Task<WorkflowHandle<OrderIntakeWorkflow, OrderIntakeResult>> StartIntakeAsync(OrderSubmitted submitted) =>
        Client.StartWorkflowAsync(
            (OrderIntakeWorkflow wf) => wf.RunAsync(new OrderIntakeInput(RequestId, $"msg-{RequestId}", submitted, AutoApproved)),
            OrderIntakeWorkflow.StartOptions(RequestId, TaskQueue));

    protected WorkflowHandle<OrderFulfillmentWorkflow, FulfillmentResult> FulfillmentHandle() =>
        Client.GetWorkflowHandle<OrderFulfillmentWorkflow, FulfillmentResult>(WorkflowIds.OrderFulfillment(OrderId));

    /// <summary>Signals by name, as the consumers (and non-.NET senders) do.</summary>
    protected static Task SignalPickAsync(WorkflowHandle handle, string messageId, params LineItem[] lines) =>
        handle.SignalAsync(SignalNames.PickCompleted, [new PickCompletedSignal(messageId, "scanner-7", lines.Length > 0 ? lines : [new LineItem("SKU-A", 2), new LineItem("SKU-B", 1)])]);

    protected static Task SignalPackAsync(WorkflowHandle handle, string messageId) =>
        handle.SignalAsync(SignalNames.PackCompleted, [new PackCompletedSignal(messageId, "pack-3", [new Package("PKG-1", 2.5m)])]);

    protected static Task SignalCancelAsync(WorkflowHandle handle, string messageId, string reason) =>
        handle.SignalAsync(SignalNames.CancelOrder, [new CancelOrderSignal(messageId, reason)]);

    protected static Task SignalDeliveredAsync(WorkflowHandle handle, string messageId) =>
        handle.SignalAsync(SignalNames.ShipmentDelivered, [new ShipmentDeliveredSignal(messageId, new DateTimeOffset(2026, 11, 24, 9, 30, 0, TimeSpan.Zero))]);

    protected static Task SignalApproveAsync(WorkflowHandle handle, string messageId, string approvedBy = "admin") =>
        handle.SignalAsync(SignalNames.ApprovePayment, [new ApprovePaymentSignal(messageId, approvedBy)]);

    protected static Task SignalAddLineAsync(WorkflowHandle handle, string messageId, string sku, int quantity) =>
        handle.SignalAsync(SignalNames.AddLineItem, [new AddLineItemSignal(messageId, sku, quantity)]);

    /// <summary>A priced order (EUR): 2 x SKU-A at 2.50 and 1 x SKU-B at 10.00, 15.00 in all.</summary>
    protected FulfillmentInput PricedFulfillment(FulfillmentOptions? options = null) =>
        Fulfillment(options, new LineItem("SKU-A", 2, 2.50m), new LineItem("SKU-B", 1, 10m)) with { Currency = "EUR" };

    protected static Task<string> WaitForStepAsync(WorkflowHandle<OrderFulfillmentWorkflow, FulfillmentResult> handle, string step) =>
        Eventually.UntilAsync(() => handle.QueryAsync(wf => wf.CurrentStep), s => s == step, $"step {step}");

    private static async Task RunAndDisposeAsync(TemporalWorker worker, Func<Task> body)
    {
        using (worker)
        {
            using var timeout = new CancellationTokenSource(Deadline);
            await worker.ExecuteAsync(body, timeout.Token);
        }
    }
}
