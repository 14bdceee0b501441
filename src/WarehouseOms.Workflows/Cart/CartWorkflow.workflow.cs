using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Cart;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Workflows.Cart;

/// <summary>
/// A customer's cart (ID <c>cart-{customerId}</c>), alive for months: signals add / remove / reset /
/// checkout, query Get. The rules live in <see cref="ShoppingCart"/>; this class only holds it.
/// </summary>
/// <remarks>
/// <para>De-duplication: every signal carries the broker message ID; an ID already applied changes
/// nothing. The remembered IDs are part of what a run hands to the next, so they survive continue-as-new.</para>
/// <para>Idle: the run waits on a condition only, no timer, so an untouched cart adds no history at all.</para>
/// <para>Continue-as-new: after <see cref="CartWorkflowOptions.MaxSignalsPerRun"/> signals, a long history,
/// or when the server suggests it. Signal handlers are synchronous and apply the change at once, so the
/// state handed over already contains every signal of this run; a signal that arrives while the
/// continue-as-new command is being completed makes the server reject that completion and the worker
/// replays the task with the signal included (it is never lost).</para>
/// <para>Checkout: the items are taken and the cart emptied in the signal handler itself (so later
/// additions belong to the next order), and the run starts the order intake as an abandoned child,
/// ID <c>order-intake-{requestId}</c>: the same request can never create two orders.</para>
/// </remarks>
[Workflow(WorkflowType)]
public sealed class CartWorkflow
{
    public const string WorkflowType = "CartWorkflow";

    private readonly Queue<PendingCheckout> checkouts = new();
    private readonly CartWorkflowInput input;
    private readonly ShoppingCart cart;
    private readonly int generation;
    private DateTimeOffset? updatedAt;
    private int signalsThisRun;

    [WorkflowInit]
    public CartWorkflow(CartWorkflowInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        this.input = input;
        var carried = input.CarriedOver;
        cart = new ShoppingCart(
            input.CustomerId,
            carried?.Items.Select(i => new CartLine(i.Sku, i.Quantity)),
            carried?.ProcessedMessageIds,
            carried?.Version ?? 0,
            input.Options?.DedupeCapacity ?? ProcessedMessages.DefaultCapacity);
        updatedAt = carried?.UpdatedAt;
        generation = carried?.Generation ?? 0;
    }

    /// <summary>
    /// Options for signal-with-start from a consumer: the first message for a customer creates the cart,
    /// later ones signal the running cart.
    /// </summary>
    public static WorkflowOptions StartOptions(string customerId, string taskQueue) =>
        new(WorkflowIds.Cart(customerId), taskQueue)
        {
            IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
        };

    [WorkflowQuery(CartQueryNames.Get)]
    public CartView Get => new(
        cart.CustomerId,
        cart.Items.Select(i => new LineItem(i.Sku, i.Quantity)).ToList(),
        cart.Version,
        updatedAt);

    [WorkflowSignal(CartSignalNames.AddItems)]
    public Task AddItemsAsync(CartItemsSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        Record(CartSignalNames.AddItems, signal.MessageId, cart.Add(signal.MessageId, Lines(signal.Items)));
        return Task.CompletedTask;
    }

    [WorkflowSignal(CartSignalNames.RemoveItems)]
    public Task RemoveItemsAsync(CartItemsSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        Record(CartSignalNames.RemoveItems, signal.MessageId, cart.Remove(signal.MessageId, Lines(signal.Items)));
        return Task.CompletedTask;
    }

    [WorkflowSignal(CartSignalNames.Reset)]
    public Task ResetAsync(CartResetSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        Record(CartSignalNames.Reset, signal.MessageId, cart.Reset(signal.MessageId));
        return Task.CompletedTask;
    }

    [WorkflowSignal(CartSignalNames.Checkout)]
    public Task CheckoutAsync(CartCheckoutSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (string.IsNullOrWhiteSpace(signal.RequestId))
        {
            // Consumers validate first; a malformed signal from elsewhere must not wedge the cart.
            Workflow.Logger.LogWarning("Checkout {MessageId} without a request ID ignored", signal.MessageId);
            signalsThisRun++;
            return Task.CompletedTask;
        }

        var (outcome, lines) = cart.CheckOut(signal.MessageId, signal.RequestId);
        Record(CartSignalNames.Checkout, signal.MessageId, outcome);
        if (outcome.Disposition == CartChangeDisposition.Applied)
        {
            checkouts.Enqueue(new PendingCheckout(signal.MessageId, signal.RequestId, signal.ShipTo, lines, signal.Fulfillment));
        }

        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task RunAsync(CartWorkflowInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Workflow.Logger.BeginScope(new Dictionary<string, object?>
        {
            ["CustomerId"] = input.CustomerId,
            ["WorkflowId"] = Workflow.Info.WorkflowId,
        });

        while (true)
        {
            await Workflow.WaitConditionAsync(() => checkouts.Count > 0 || ShouldContinueAsNew);
            while (checkouts.TryDequeue(out var checkout))
            {
                await StartIntakeAsync(checkout);
            }

            if (ShouldContinueAsNew)
            {
                // Drain: let any handler still running finish, and start intakes for checkouts it queued.
                await Workflow.WaitConditionAsync(() => Workflow.AllHandlersFinished);
                if (checkouts.Count > 0)
                {
                    continue;
                }

                Workflow.Logger.LogInformation(
                    "Cart continues as new after {Signals} signals, {HistoryLength} history events (generation {Generation})",
                    signalsThisRun,
                    Workflow.CurrentHistoryLength,
                    generation + 1);
                throw Workflow.CreateContinueAsNewException((CartWorkflow wf) => wf.RunAsync(NextRunInput()));
            }
        }
    }

    private bool ShouldContinueAsNew =>
        Workflow.ContinueAsNewSuggested
        || signalsThisRun >= (input.Options?.MaxSignalsPerRun ?? CartWorkflowOptions.DefaultMaxSignalsPerRun)
        || Workflow.CurrentHistoryLength >= (input.Options?.MaxHistoryEvents ?? CartWorkflowOptions.DefaultMaxHistoryEvents);

    private CartWorkflowInput NextRunInput() => input with
    {
        CarriedOver = new CartCarryOver(
            cart.Items.Select(i => new LineItem(i.Sku, i.Quantity)).ToList(),
            cart.ProcessedMessageIds,
            cart.Version,
            updatedAt,
            generation + 1),
    };

    private async Task StartIntakeAsync(PendingCheckout checkout)
    {
        var orderId = CartCheckout.OrderIdFor(checkout.RequestId);
        var submitted = new OrderSubmitted(
            checkout.RequestId,
            orderId,
            cart.CustomerId,
            checkout.Lines.Select(l => new OrderLine(l.Sku, l.Quantity)).ToList(),
            checkout.ShipTo);
        var intakeId = WorkflowIds.OrderIntake(checkout.RequestId);
        try
        {
            // By name: the intake is another team's workflow on the order task queue.
            await Workflow.StartChildWorkflowAsync(
                OrderIntakeWorkflow.WorkflowType,
                [new OrderIntakeInput(checkout.RequestId, checkout.MessageId, submitted, checkout.Fulfillment)],
                new ChildWorkflowOptions
                {
                    Id = intakeId,
                    TaskQueue = input.Options?.OrderTaskQueue ?? TaskQueues.Orders,
                    // The order outlives the cart's run: continue-as-new must not cancel it.
                    ParentClosePolicy = Temporalio.Workflows.ParentClosePolicy.Abandon,
                    // One order per request ID, ever.
                    IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
                });
            Workflow.Logger.LogInformation(
                "Checkout {MessageId} started intake {IntakeWorkflowId} for order {OrderId}", checkout.MessageId, intakeId, orderId);
        }
        catch (WorkflowAlreadyStartedException)
        {
            // The same request was already submitted (a redelivery after the dedupe window, or the order
            // feed): that order stands, this checkout created nothing new.
            Workflow.Logger.LogInformation(
                "Checkout {MessageId}: intake {IntakeWorkflowId} already exists; not started again", checkout.MessageId, intakeId);
        }
    }

    private void Record(string signal, string messageId, CartChangeOutcome outcome)
    {
        signalsThisRun++;
        switch (outcome.Disposition)
        {
            case CartChangeDisposition.Applied:
                updatedAt = Workflow.UtcNow;
                Workflow.Logger.LogDebug("{Signal} {MessageId} applied; cart version {Version}", signal, messageId, cart.Version);
                break;
            case CartChangeDisposition.Duplicate:
                Workflow.Logger.LogInformation("{Signal} {MessageId} already applied; ignored", signal, messageId);
                WorkflowMetrics.SignalDeduplicated(signal);
                break;
            default:
                Workflow.Logger.LogWarning(
                    "{Signal} {MessageId} rejected: {Reasons}", signal, messageId, string.Join(" ", outcome.Reasons));
                break;
        }
    }

    private static List<CartLine> Lines(IReadOnlyList<LineItem>? items) =>
        (items ?? []).Select(i => new CartLine(i.Sku, i.Quantity)).ToList();

    private sealed record PendingCheckout(string MessageId, string RequestId, ShipTo? ShipTo, IReadOnlyList<CartLine> Lines, FulfillmentOptions? Fulfillment);
}
