using System.Text.Json.Nodes;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Cli.Messages;
using WarehouseOms.Cli.Temporal;
using WarehouseOms.Contracts;
using WarehouseOms.Workflows;

namespace WarehouseOms.Cli.Commands;

/// <summary>
/// The seed's starter over the broker: publish the order(s); with --auto-approve approve the payment
/// after a short delay (as the starter did after 2 s); unless --async, wait until each order settles.
/// </summary>
internal sealed class SubmitRunner(CommandRunner runner, TextWriter output)
{
    public async Task<int> RunAsync(SubmitCommand command, CancellationToken cancellationToken)
    {
        var baseOrderId = command.OrderId ?? SampleOrders.NewOrderId(DateTimeOffset.UtcNow);
        var orders = Enumerable.Range(0, command.Count).Select(i => SampleOrders.Create(command, i, baseOrderId)).ToList();

        foreach (var order in orders)
        {
            var related = new Dictionary<string, string>
            {
                ["order_id"] = order.OrderId!,
                ["intake_workflow"] = WorkflowIds.OrderIntake(order.RequestId!),
                ["fulfillment_workflow"] = WorkflowIds.OrderFulfillment(order.OrderId!),
            };
            await runner.PublishAsync(InboundMessages.OrderSubmitted(order), runner.Json ? WorkflowIds.OrderIntake(order.RequestId!) : null, cancellationToken, related).ConfigureAwait(false);
            if (runner.Json)
            {
                continue;
            }

            await output.WriteLineAsync(
                $"  order: {order.OrderId}  intake: {WorkflowIds.OrderIntake(order.RequestId!)}  fulfillment: {WorkflowIds.OrderFulfillment(order.OrderId!)}").ConfigureAwait(false);
        }

        if (command.AutoApprove)
        {
            // The delay lets the order reach its payment wait first, as in the seed; an early approval would work too.
            if (!runner.Json)
            {
                await output.WriteLineAsync($"auto-approving in {command.ApproveDelay.TotalSeconds:0.#} s ...").ConfigureAwait(false);
            }

            await Task.Delay(command.ApproveDelay, cancellationToken).ConfigureAwait(false);
            foreach (var order in orders)
            {
                await runner.PublishAsync(InboundMessages.PaymentApproved(order.OrderId!, "auto"), runner.Json ? WorkflowIds.OrderFulfillment(order.OrderId!) : null, cancellationToken).ConfigureAwait(false);
            }
        }

        if (command.Async)
        {
            return ExitCodes.Ok;
        }

        return await WaitAsync(orders, command, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> WaitAsync(List<OrderSubmitted> orders, SubmitCommand command, CancellationToken cancellationToken)
    {
        var watcher = new OrderWatcher(await runner.TemporalAsync().ConfigureAwait(false), runner.Json ? TextWriter.Null : output, runner.PollInterval);
        var exitCode = ExitCodes.Ok;
        foreach (var order in orders)
        {
            var progress = await watcher.WaitUntilSettledAsync(order.RequestId!, order.OrderId!, command.AutoApprove, command.WaitTimeout, cancellationToken).ConfigureAwait(false);
            if (runner.Json)
            {
                await runner.WriteJsonAsync(new JsonObject
                {
                    ["order_id"] = order.OrderId,
                    ["status"] = progress.Status,
                    ["step"] = progress.Step,
                    ["detail"] = progress.Detail,
                    ["closed"] = progress.Closed,
                }).ConfigureAwait(false);
            }
            else
            {
                await output.WriteLineAsync($"done: {order.OrderId} is {progress}").ConfigureAwait(false);
            }

            if (progress.IsFailed)
            {
                exitCode = ExitCodes.Failure;
            }
        }

        return exitCode;
    }
}
