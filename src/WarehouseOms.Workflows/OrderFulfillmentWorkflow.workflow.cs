using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Replenishment;

namespace WarehouseOms.Workflows;

/// <summary>
/// End-to-end fulfillment of one order (ID <c>order-fulfillment-{orderId}</c>): allocate → reserve →
/// pick wave → wait PickCompleted → consume → wait PackCompleted → shipment → label → confirm → shipped.
/// </summary>
/// <remarks>
/// The rules (ordering, duplicates, what is still cancellable) live in <see cref="FulfillmentState"/>;
/// this class only orchestrates. Compensations are registered as steps complete and run in reverse
/// (saga). CancelOrder is honoured at the next step boundary or immediately while waiting for the
/// warehouse; once ConfirmShipment has begun, the parcel is with the carrier and cancel is ignored.
/// </remarks>
[Workflow(WorkflowType)]
public sealed class OrderFulfillmentWorkflow
{
    public const string WorkflowType = "OrderFulfillmentWorkflow";

    private readonly List<(string Name, Func<Task> Undo)> compensations = [];
    private FulfillmentState state;

    [WorkflowInit]
    public OrderFulfillmentWorkflow(FulfillmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        state = FulfillmentState.Start(input.OrderId);
    }

    [WorkflowQuery(QueryNames.FulfillmentStatus)]
    public string FulfillmentStatus => state.Stage.ToWire();

    [WorkflowQuery(QueryNames.CurrentStep)]
    public string CurrentStep => state.Step.ToString();

    [WorkflowQuery(QueryNames.BlockingReason)]
    public string? BlockingReason => state.BlockingReason;

    [WorkflowQuery(QueryNames.Snapshot)]
    public FulfillmentSnapshot Snapshot => new(
        state.OrderId,
        state.Stage.ToWire(),
        state.Step.ToString(),
        state.BlockingReason,
        state.PickWaveId,
        state.ShipmentId,
        state.TrackingNumber,
        state.Pick is not null,
        state.Pack is not null,
        state.IsCancelRequested,
        state.OutcomeReason);

    [WorkflowSignal(SignalNames.PickCompleted)]
    public Task PickCompletedAsync(PickCompletedSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var report = new PickReport(signal.MessageId, signal.DeviceId, signal.Lines.Select(l => new SkuQuantity(l.Sku, l.Quantity)).ToList());
        (state, var disposition) = state.ReceivePick(report);
        LogSignal(SignalNames.PickCompleted, signal.MessageId, disposition);
        return Task.CompletedTask;
    }

    [WorkflowSignal(SignalNames.PackCompleted)]
    public Task PackCompletedAsync(PackCompletedSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var report = new PackReport(signal.MessageId, signal.DeviceId, signal.Packages.Select(p => new PackedParcel(p.PackageId, p.WeightKg)).ToList());
        (state, var disposition) = state.ReceivePack(report);
        LogSignal(SignalNames.PackCompleted, signal.MessageId, disposition);
        return Task.CompletedTask;
    }

    [WorkflowSignal(SignalNames.CancelOrder)]
    public Task CancelOrderAsync(CancelOrderSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        (state, var disposition) = state.ReceiveCancel(new CancelRequest(signal.MessageId, signal.Reason));
        LogSignal(SignalNames.CancelOrder, signal.MessageId, disposition);
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<FulfillmentResult> RunAsync(FulfillmentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Workflow.Logger.BeginScope(new Dictionary<string, object?>
        {
            ["OrderId"] = input.OrderId,
            ["WorkflowId"] = Workflow.Info.WorkflowId,
        });

        try
        {
            await FulfilAsync(input);
            return Result();
        }
        catch (StopFulfillment stop) when (stop.Cancelled)
        {
            await CompensateAsync(stop.Reason);
            await Workflow.ExecuteActivityAsync(
                (IOmsActivities oms) => oms.MarkOrderCancelledAsync(new OrderStatusChange(input.OrderId, stop.Reason)),
                ActivityPolicies.Compensation());
            state = state.OnCancelled();
            Workflow.Logger.LogInformation("Order {OrderId} cancelled: {Reason}", input.OrderId, stop.Reason);
            return Result();
        }
        catch (StopFulfillment stop)
        {
            await FailAsync(input.OrderId, stop.Reason);
            return Result();
        }
        catch (ActivityFailureException ex)
        {
            // Unexpected (an illegal transition, an unknown order): undo what was done, record the order as
            // FAILED, and fail the workflow with the original error so that an operator sees it.
            Workflow.Logger.LogError(ex, "Fulfillment of order {OrderId} failed at step {Step}", input.OrderId, state.Step);
            await FailAsync(input.OrderId, $"{state.Step} failed: {ex.InnerException?.Message ?? ex.Message}");
            throw;
        }
    }

    /// <summary>
    /// One <see cref="ReplenishmentWorkflow"/> per SKU that fell below its reorder point, abandoned so it
    /// outlives the order. Patched: orders that consumed stock before this existed replay without it.
    /// </summary>
    private static async Task StartReplenishmentsAsync(string orderId, IReadOnlyList<string> skus)
    {
        if (skus.Count == 0 || !Workflow.Patched(Patches.StartReplenishment))
        {
            return;
        }

        foreach (var sku in skus)
        {
            try
            {
                await Workflow.StartChildWorkflowAsync(
                    (ReplenishmentWorkflow wf) => wf.RunAsync(new ReplenishmentInput(sku, $"order {orderId} took stock below the reorder point")),
                    ReplenishmentWorkflow.ChildOptions(sku));
            }
            catch (WorkflowAlreadyStartedException)
            {
                // One replenishment per SKU at a time: the running one already covers this.
            }
        }
    }

    private async Task FulfilAsync(FulfillmentInput input)
    {
        var orderId = input.OrderId;
        var options = input.Options ?? new FulfillmentOptions();

        Begin(FulfillmentStep.AllocateInventory);
        AllocationResult allocation;
        try
        {
            allocation = await Workflow.ExecuteActivityAsync(
                (IImsActivities ims) => ims.AllocateInventoryAsync(new AllocateInventoryInput(orderId, input.Lines)),
                ActivityPolicies.Standard());
        }
        catch (ActivityFailureException ex) when (ex.InnerException is ApplicationFailureException { ErrorType: ActivityErrors.InsufficientStock } shortage)
        {
            throw StopFulfillment.Fail($"Insufficient stock: {shortage.Message}");
        }

        Compensate(ActivityNames.ReleaseInventory, reason => Workflow.ExecuteActivityAsync(
            (IImsActivities ims) => ims.ReleaseInventoryAsync(new ReleaseInventoryInput(orderId, reason)),
            ActivityPolicies.Compensation()));

        Begin(FulfillmentStep.MarkOrderReserved);
        await Workflow.ExecuteActivityAsync((IOmsActivities oms) => oms.MarkOrderReservedAsync(new OrderRef(orderId)), ActivityPolicies.Standard());
        state = state.OnReserved();

        Begin(FulfillmentStep.CreatePickWave);
        var wave = await Workflow.ExecuteActivityAsync(
            (IWmsActivities wms) => wms.CreatePickWaveAsync(new CreatePickWaveInput(orderId, allocation.Allocated)),
            ActivityPolicies.Standard());
        state = state.OnPickWaveCreated(wave.PickWaveId);

        Begin(FulfillmentStep.AwaitPick);
        if (!await WaitForWarehouseAsync(() => state.Pick is not null, options.EffectivePickTimeout))
        {
            throw StopFulfillment.Fail($"No {SignalNames.PickCompleted} within {options.EffectivePickTimeout}");
        }

        Begin(FulfillmentStep.ConsumeInventory);
        var picked = state.Pick!.Lines.Count > 0
            ? state.Pick.Lines.Select(l => new LineItem(l.Sku, l.Quantity)).ToList()
            : allocation.Allocated;
        var consumed = await Workflow.ExecuteActivityAsync(
            (IImsActivities ims) => ims.ConsumeInventoryAsync(new ConsumeInventoryInput(orderId, picked)),
            ActivityPolicies.Standard());
        state = state.OnPicked();
        await StartReplenishmentsAsync(orderId, consumed.SkusBelowReorderPoint);

        Begin(FulfillmentStep.AwaitPack);
        if (!await WaitForWarehouseAsync(() => state.Pack is not null, options.PackTimeout))
        {
            throw StopFulfillment.Fail($"No {SignalNames.PackCompleted} within {options.PackTimeout}");
        }

        state = state.OnPacked();

        Begin(FulfillmentStep.CreateShipment);
        var packages = state.Pack!.Parcels.Select(p => new Package(p.PackageId, p.WeightKg)).ToList();
        var shipment = await Workflow.ExecuteActivityAsync(
            (ISmsActivities sms) => sms.CreateShipmentAsync(new CreateShipmentInput(orderId, packages)),
            ActivityPolicies.Standard());
        state = state.OnShipmentCreated(shipment.ShipmentId);
        Compensate(ActivityNames.CancelShipment, reason => Workflow.ExecuteActivityAsync(
            (ISmsActivities sms) => sms.CancelShipmentAsync(new OrderStatusChange(orderId, reason)),
            ActivityPolicies.Compensation()));

        Begin(FulfillmentStep.GenerateShippingLabel);
        var label = await Workflow.ExecuteActivityAsync(
            (ISmsActivities sms) => sms.GenerateShippingLabelAsync(new ShipmentRef(orderId, shipment.ShipmentId)),
            ActivityPolicies.Standard());
        state = state.OnLabelGenerated(label.TrackingNumber);

        // The point of no return: from here the parcel is the carrier's and cancellation is ignored.
        Begin(FulfillmentStep.ConfirmShipment);
        await Workflow.ExecuteActivityAsync((ISmsActivities sms) => sms.ConfirmShipmentAsync(label), ActivityPolicies.Standard());

        Begin(FulfillmentStep.MarkOrderShipped);
        await Workflow.ExecuteActivityAsync(
            (IOmsActivities oms) => oms.MarkOrderShippedAsync(new MarkOrderShippedInput(orderId, shipment.ShipmentId, label.TrackingNumber)),
            ActivityPolicies.Standard());
        state = state.OnShipped();
        Workflow.Logger.LogInformation("Order {OrderId} shipped as {ShipmentId} ({TrackingNumber})", orderId, shipment.ShipmentId, label.TrackingNumber);
    }

    /// <summary>Enters a step unless a cancellation is pending, which stops the happy path right here.</summary>
    private void Begin(FulfillmentStep step)
    {
        if (state.IsCancelRequested && state.IsCancellable)
        {
            throw StopFulfillment.Cancel(state.Cancellation!.Reason);
        }

        state = state.Begin(step);
    }

    /// <summary>Waits for a warehouse report, a cancellation, or the timeout (null: no timeout). False on timeout.</summary>
    private async Task<bool> WaitForWarehouseAsync(Func<bool> arrived, TimeSpan? timeout)
    {
        bool Done() => arrived() || state.IsCancelRequested;
        var inTime = true;
        if (timeout is { } limit)
        {
            inTime = await Workflow.WaitConditionAsync(Done, limit);
        }
        else
        {
            await Workflow.WaitConditionAsync(Done);
        }

        if (state.IsCancelRequested)
        {
            throw StopFulfillment.Cancel(state.Cancellation!.Reason);
        }

        return inTime;
    }

    private void Compensate(string name, Func<string, Task> undo) =>
        compensations.Add((name, () => undo(state.OutcomeReason ?? "compensation")));

    /// <summary>Runs the registered compensations newest first (saga).</summary>
    private async Task CompensateAsync(string reason)
    {
        state = state.BeginCompensation(reason);
        for (var i = compensations.Count - 1; i >= 0; i--)
        {
            Workflow.Logger.LogInformation("Order {OrderId}: compensating with {Activity}", state.OrderId, compensations[i].Name);
            await compensations[i].Undo();
        }

        compensations.Clear();
    }

    private async Task FailAsync(string orderId, string reason)
    {
        await CompensateAsync(reason);
        await Workflow.ExecuteActivityAsync(
            (IOmsActivities oms) => oms.MarkOrderFailedAsync(new OrderStatusChange(orderId, reason)),
            ActivityPolicies.Compensation());
        state = state.OnFailed(reason);
        Workflow.Logger.LogWarning("Order {OrderId} failed: {Reason}", orderId, reason);
    }

    private FulfillmentResult Result() =>
        new(state.OrderId, state.Stage.ToWire(), state.OutcomeReason, state.ShipmentId, state.TrackingNumber);

    private void LogSignal(string signal, string messageId, SignalDisposition disposition)
    {
        var level = disposition is SignalDisposition.Accepted or SignalDisposition.Remembered ? LogLevel.Information : LogLevel.Warning;
        Workflow.Logger.Log(
            level,
            "Signal {Signal} {MessageId} for order {OrderId} at step {Step}: {Disposition}",
            signal,
            messageId,
            state.OrderId,
            state.Step,
            disposition);
    }

    /// <summary>Leaves the happy path for a business outcome (cancelled or failed); caught in RunAsync.</summary>
    private sealed class StopFulfillment : Exception
    {
        private StopFulfillment(bool cancelled, string reason)
            : base(reason)
        {
            Cancelled = cancelled;
            Reason = reason;
        }

        public bool Cancelled { get; }

        public string Reason { get; }

        public static StopFulfillment Cancel(string reason) => new(cancelled: true, reason);

        public static StopFulfillment Fail(string reason) => new(cancelled: false, reason);
    }
}
