using System.Text.Json;
using System.Text.Json.Nodes;
using WarehouseOms.Cli.Broker;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Cli.Messages;
using WarehouseOms.Cli.Temporal;
using WarehouseOms.Temporal;
using WarehouseOms.Domain.Cart;
using WarehouseOms.Workflows;

namespace WarehouseOms.Cli.Commands;

/// <summary>
/// Executes a parsed command. Connections are opened on first use, so a command that only publishes
/// never needs Temporal and a query never needs the broker.
/// </summary>
public sealed class CommandRunner(CliSettings settings, TextWriter output) : IAsyncDisposable
{
    private BrokerPublisher? broker;
    private WorkflowInspector? temporal;

    /// <summary>How often submit polls the fulfillment workflow while it waits.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>--json: print one JSON object per line (what was published, the query result, the history) instead of text.</summary>
    public bool Json { get; init; }

    public async Task<int> RunAsync(CliCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        switch (command)
        {
            case SubmitCommand submit:
                return await new SubmitRunner(this, output).RunAsync(submit, cancellationToken).ConfigureAwait(false);
            case ApproveCommand approve:
                await PublishAsync(InboundMessages.PaymentApproved(approve.OrderId, approve.ApprovedBy), WorkflowIds.OrderFulfillment(approve.OrderId), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            case CancelCommand cancel:
                await PublishAsync(InboundMessages.CancellationRequested(cancel.OrderId, cancel.Reason), WorkflowIds.OrderFulfillment(cancel.OrderId), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            case AddLineCommand add:
                await PublishAsync(InboundMessages.LineAdded(add.OrderId, add.Sku, add.Quantity, add.UnitPrice), WorkflowIds.OrderFulfillment(add.OrderId), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            case PickCommand pick:
                return await PickAsync(pick, cancellationToken).ConfigureAwait(false);
            case PackCommand pack:
                await PublishAsync(InboundMessages.PackCompleted(pack.OrderId, pack.DeviceId, pack.PackageCount, pack.WeightKg), WorkflowIds.OrderFulfillment(pack.OrderId), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            case DeliverCommand deliver:
                await PublishAsync(InboundMessages.ShipmentDelivered(deliver.OrderId, deliver.DeliveredAt ?? DateTimeOffset.UtcNow), WorkflowIds.OrderFulfillment(deliver.OrderId), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            case CartItemsCommand items:
                var message = items.Remove ? InboundMessages.CartItemsRemoved(items.CustomerId, items.Items) : InboundMessages.CartItemsAdded(items.CustomerId, items.Items);
                await PublishAsync(message, WorkflowIds.Cart(items.CustomerId), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            case CartResetCommand reset:
                await PublishAsync(InboundMessages.CartReset(reset.CustomerId), WorkflowIds.Cart(reset.CustomerId), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            case CartCheckoutCommand checkout:
                return await CheckoutAsync(checkout, cancellationToken).ConfigureAwait(false);
            case SkuRegisterCommand register:
                await PublishAsync(InboundMessages.SkuRegistered(register.Sku, register.Name, register.ReorderPoint, register.ReorderQuantity, register.Components), null, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            case SkuRetireCommand retire:
                await PublishAsync(InboundMessages.SkuRetired(retire.Sku), null, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            case QueryCommand query:
                return await QueryAsync(query).ConfigureAwait(false);
            case ShowCommand show:
                return await ShowAsync(show).ConfigureAwait(false);
            case ErrorsListCommand or ErrorsReplayCommand or ErrorsDiscardCommand:
                return await new ErrorsRunner(settings.RabbitMq, output, Json).RunAsync(command, cancellationToken).ConfigureAwait(false);
            default:
                throw new CliFailure(ExitCodes.Usage, $"No runner for {command.GetType().Name}.");
        }
    }

    /// <summary>Publishes and prints what went out, so the user sees the exact wire message.</summary>
    /// <param name="related">With --json: more fields for the printed object (e.g. the order and workflows a submit creates).</param>
    internal async Task PublishAsync(OutgoingMessage message, string? workflowId, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? related = null)
    {
        broker ??= await BrokerPublisher.ConnectAsync(settings.RabbitMq, cancellationToken).ConfigureAwait(false);
        await broker.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (Json)
        {
            var published = new JsonObject
            {
                ["exchange"] = message.Exchange,
                ["message_id"] = message.MessageId,
                ["body"] = JsonNode.Parse(message.Json),
                ["workflow"] = workflowId,
            };
            foreach (var (name, value) in related ?? new Dictionary<string, string>())
            {
                published[name] = value;
            }

            await WriteJsonAsync(published).ConfigureAwait(false);
            return;
        }

        await output.WriteLineAsync($"published to {message.Exchange} (message_id {message.MessageId}): {message.Json}").ConfigureAwait(false);
        if (workflowId is not null)
        {
            await output.WriteLineAsync($"  workflow: {workflowId}").ConfigureAwait(false);
        }
    }

    internal Task WriteJsonAsync(JsonNode node) => output.WriteLineAsync(node.ToJsonString(MessageJson.Options));

    internal async Task<WorkflowInspector> TemporalAsync() =>
        temporal ??= await WorkflowInspector.ConnectAsync(settings.Temporal).ConfigureAwait(false);

    private async Task<int> PickAsync(PickCommand pick, CancellationToken cancellationToken)
    {
        var lines = pick.Lines;
        if (lines.Count == 0)
        {
            // A device reports what it picked; without --sku the CLI reports exactly what the order asked for.
            try
            {
                lines = await (await TemporalAsync().ConfigureAwait(false)).OrderLinesAsync(pick.OrderId).ConfigureAwait(false);
            }
            catch (CliFailure ex)
            {
                throw new CliFailure(ex.ExitCode, $"Could not read the lines of order {pick.OrderId} ({ex.Message}); pass them with --sku S --qty N.", ex);
            }
        }

        await PublishAsync(InboundMessages.PickCompleted(pick.OrderId, pick.DeviceId, lines), WorkflowIds.OrderFulfillment(pick.OrderId), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private async Task<int> CheckoutAsync(CartCheckoutCommand checkout, CancellationToken cancellationToken)
    {
        var requestId = checkout.RequestId ?? $"checkout-{Guid.NewGuid():N}";
        var orderId = CartCheckout.OrderIdFor(requestId);
        var related = new Dictionary<string, string>
        {
            ["order_id"] = orderId,
            ["intake_workflow"] = WorkflowIds.OrderIntake(requestId),
            ["fulfillment_workflow"] = WorkflowIds.OrderFulfillment(orderId),
        };
        await PublishAsync(InboundMessages.CartCheckedOut(checkout.CustomerId, requestId), WorkflowIds.Cart(checkout.CustomerId), cancellationToken, related).ConfigureAwait(false);
        if (Json)
        {
            return ExitCodes.Ok;
        }

        await output.WriteLineAsync($"  order: {orderId}  intake: {WorkflowIds.OrderIntake(requestId)}  fulfillment: {WorkflowIds.OrderFulfillment(orderId)}").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private async Task<int> QueryAsync(QueryCommand query)
    {
        var name = query.QueryName ?? WorkflowKinds.DefaultQuery(query.WorkflowId)
            ?? throw new CliFailure(ExitCodes.Usage, $"No default query for '{query.WorkflowId}'; name one with --query. Defaults: {WorkflowKinds.KnownPrefixes}.");
        var result = await (await TemporalAsync().ConfigureAwait(false)).QueryAsync(query.WorkflowId, name).ConfigureAwait(false);
        if (Json)
        {
            await WriteJsonAsync(new JsonObject
            {
                ["workflow_id"] = query.WorkflowId,
                ["query"] = name,
                ["result"] = JsonSerializer.SerializeToNode(result),
            }).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        await output.WriteLineAsync(JsonSerializer.Serialize(result, MessageJson.Indented)).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private async Task<int> ShowAsync(ShowCommand show)
    {
        var inspector = await TemporalAsync().ConfigureAwait(false);
        var state = await inspector.DescribeAsync(show.WorkflowId).ConfigureAwait(false);
        var events = await inspector.HistoryAsync(show.WorkflowId).ConfigureAwait(false);
        if (Json)
        {
            await WriteJsonAsync(new JsonObject
            {
                ["workflow_id"] = state.WorkflowId,
                ["workflow_type"] = state.WorkflowType,
                ["status"] = state.Status.ToString(),
                ["events"] = new JsonArray([.. events.Select(HistoryFormatter.ToJson)]),
            }).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        await output.WriteLineAsync($"{state.WorkflowId}  {state.WorkflowType}  {state.Status}  ({events.Count} events)").ConfigureAwait(false);
        foreach (var e in events)
        {
            await output.WriteLineAsync(HistoryFormatter.Format(e)).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    public async ValueTask DisposeAsync()
    {
        if (broker is not null)
        {
            try
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Closing a connection the broker already dropped: the command's own outcome is what matters.
            }
        }
    }
}
