using System.Text.Json;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Cli.Temporal;

/// <summary>A workflow execution as describe reports it.</summary>
public sealed record WorkflowState(string WorkflowId, string WorkflowType, WorkflowExecutionStatus Status, DateTime? StartTime, DateTime? CloseTime)
{
    public bool IsRunning => Status == WorkflowExecutionStatus.Running;
}

/// <summary>
/// Read-only access to workflows through Temporal's client API (what tctl's query / describe / show do).
/// The CLI never signals or starts workflows: those go through the broker like any upstream system.
/// Temporal errors become <see cref="CliFailure"/>s with the exit code of their cause.
/// </summary>
public sealed class WorkflowInspector
{
    /// <summary>A query needs a worker to answer; without one the server would hold the call for a long time.</summary>
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);

    private readonly ITemporalClient client;
    private readonly TemporalSettings settings;

    private WorkflowInspector(ITemporalClient client, TemporalSettings settings)
    {
        this.client = client;
        this.settings = settings;
    }

    public static async Task<WorkflowInspector> ConnectAsync(TemporalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            var client = await TemporalRegistration.ConnectAsync(settings.Address, settings.Namespace).ConfigureAwait(false);
            return new WorkflowInspector(client, settings);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new CliFailure(
                ExitCodes.TemporalUnavailable,
                $"Temporal at {settings.Address} is unreachable ({ex.Message}). Is the WarehouseOms service (with its embedded dev server) running, or TEMPORAL_ADDRESS set?",
                ex);
        }
    }

    /// <summary>Runs a query and returns its result as JSON (the shape the workflow's record serializes to).</summary>
    public Task<JsonElement> QueryAsync(string workflowId, string queryName) =>
        CallAsync(workflowId, async () =>
        {
            try
            {
                return await client.GetWorkflowHandle(workflowId)
                    .QueryAsync<JsonElement>(queryName, [], new WorkflowQueryOptions { Rpc = new RpcOptions { Timeout = QueryTimeout } })
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (TemporalErrors.Classify(ex) is TemporalFault.QueryFailed or TemporalFault.QueryRejected)
            {
                throw new CliFailure(ExitCodes.Failure, $"Query '{queryName}' on '{workflowId}' failed: {ex.Message}", ex);
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.DeadlineExceeded)
            {
                // Unavailable by the one classification, but for a query it most often means no worker answered.
                throw new CliFailure(ExitCodes.Failure, $"Query '{queryName}' on '{workflowId}' got no answer within {QueryTimeout.TotalSeconds:0} s: is a worker (the WarehouseOms service) running?", ex);
            }
        });

    /// <summary>The latest run of <paramref name="workflowId"/>, or null when there is none.</summary>
    public async Task<WorkflowState?> TryDescribeAsync(string workflowId)
    {
        try
        {
            return await DescribeAsync(workflowId).ConfigureAwait(false);
        }
        catch (CliFailure ex) when (ex.ExitCode == ExitCodes.WorkflowNotFound)
        {
            return null;
        }
    }

    public Task<WorkflowState> DescribeAsync(string workflowId) =>
        CallAsync(workflowId, async () =>
        {
            var description = await client.GetWorkflowHandle(workflowId).DescribeAsync().ConfigureAwait(false);
            return new WorkflowState(workflowId, description.WorkflowType, description.Status, description.StartTime, description.CloseTime);
        });

    /// <summary>Every event of the latest run, oldest first.</summary>
    public Task<IReadOnlyList<HistoryEvent>> HistoryAsync(string workflowId) =>
        CallAsync<IReadOnlyList<HistoryEvent>>(workflowId, async () =>
        {
            var events = new List<HistoryEvent>();
            await foreach (var e in client.GetWorkflowHandle(workflowId).FetchHistoryEventsAsync().ConfigureAwait(false))
            {
                events.Add(e);
            }

            return events;
        });

    /// <summary>
    /// The outcome of a closed workflow: its result as JSON, or the failure's message (e.g. why an intake
    /// rejected an order).
    /// </summary>
    public Task<(JsonElement? Result, string? Failure)> OutcomeAsync(string workflowId) =>
        CallAsync<(JsonElement?, string?)>(workflowId, async () =>
        {
            try
            {
                return (await client.GetWorkflowHandle(workflowId).GetResultAsync<JsonElement>().ConfigureAwait(false), null);
            }
            catch (WorkflowFailedException ex)
            {
                return (null, ex.InnerException?.Message ?? ex.Message);
            }
            catch (TemporalException ex) when (ex is not RpcException)
            {
                // Terminated, cancelled, timed out, continued as new: the exception's message says which.
                return (null, ex.Message);
            }
        });

    /// <summary>
    /// The order's current lines: from the Snapshot query where it reports them (they include lines added
    /// while awaiting payment), else the lines the fulfillment workflow was started with.
    /// </summary>
    public async Task<IReadOnlyList<OrderLine>> OrderLinesAsync(string orderId)
    {
        var workflowId = WorkflowIds.OrderFulfillment(orderId);
        var state = await DescribeAsync(workflowId).ConfigureAwait(false);
        if (state.IsRunning)
        {
            var snapshot = await QueryAsync(workflowId, QueryNames.Snapshot).ConfigureAwait(false);
            if (LinesOf(snapshot) is { Count: > 0 } current)
            {
                return current;
            }
        }

        var started = (await HistoryAsync(workflowId).ConfigureAwait(false))
            .FirstOrDefault(e => e.EventType == EventType.WorkflowExecutionStarted)?.WorkflowExecutionStartedEventAttributes;
        if (started?.Input?.Payloads_ is not { Count: > 0 } payloads)
        {
            throw new CliFailure(ExitCodes.Failure, $"Workflow '{workflowId}' has no start input to read the order's lines from.");
        }

        var input = await client.Options.DataConverter.ToValueAsync<FulfillmentInput>(payloads[0]).ConfigureAwait(false);
        return input.Lines.Select(l => new OrderLine(l.Sku, l.Quantity)).ToList();
    }

    /// <summary>The "lines" array of a snapshot (any property case), or null when it has none.</summary>
    public static IReadOnlyList<OrderLine>? LinesOf(JsonElement snapshot)
    {
        if (snapshot.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var lines = snapshot.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, "lines", StringComparison.OrdinalIgnoreCase)).Value;
        return lines.ValueKind != JsonValueKind.Array
            ? null
            : lines.EnumerateArray()
                .Select(l => new OrderLine(OrderProgress.Text(l, "sku"), Number(l, "quantity")))
                .ToList();
    }

    private static int? Number(JsonElement element, string name) =>
        element.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.Number } value
            ? value.GetInt32()
            : null;

    /// <summary>Maps the RPC errors every call can meet onto the CLI's exit codes.</summary>
    private async Task<T> CallAsync<T>(string workflowId, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (TemporalErrors.Classify(ex, client.Connection) == TemporalFault.NotFound)
        {
            throw new CliFailure(ExitCodes.WorkflowNotFound, $"Workflow '{workflowId}' not found in namespace '{settings.Namespace}' at {settings.Address}.", ex);
        }
        catch (Exception ex) when (TemporalErrors.Classify(ex, client.Connection) == TemporalFault.Unavailable)
        {
            throw new CliFailure(ExitCodes.TemporalUnavailable, $"Temporal at {settings.Address} did not answer: {ex.Message}", ex);
        }
    }
}
