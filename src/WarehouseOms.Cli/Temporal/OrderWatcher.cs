using System.Text.Json;
using WarehouseOms.Workflows;

namespace WarehouseOms.Cli.Temporal;

/// <summary>Where an order stands: from the fulfillment workflow's Snapshot query, or from its result once closed.</summary>
public sealed record OrderProgress(string Status, string? Step, string? Detail, bool Closed)
{
    // SHIPPED ended fulfillment before delivery reports existed; newer orders wait in AwaitDelivery instead.
    private static readonly HashSet<string> TerminalStatuses = ["SHIPPED", "COMPLETED", "CANCELLED", "FAILED"];

    public bool IsFailed => Status is "FAILED";

    /// <summary>
    /// True once the order waits for the outside world or is finished: an "Await…" step (payment approval,
    /// pick, pack, delivery), a terminal status, or a closed workflow. Matched by name rather than by enum
    /// so the CLI keeps working as steps are added. After an approval was sent, awaiting payment does not
    /// count: the approval may simply not have been consumed yet.
    /// </summary>
    public bool IsSettled(bool paymentApproved)
    {
        if (Closed || TerminalStatuses.Contains(Status))
        {
            return true;
        }

        if (Step is null || !Step.StartsWith("Await", StringComparison.Ordinal))
        {
            return false;
        }

        var awaitsPayment = Step.Contains("Payment", StringComparison.OrdinalIgnoreCase);
        return !(awaitsPayment && paymentApproved);
    }

    public override string ToString() =>
        (Step is null ? Status : $"{Status} (step {Step})") + (Detail is null ? string.Empty : $": {Detail}");

    /// <summary>From the Snapshot query (FulfillmentSnapshot, serialized by Temporal's JSON converter).</summary>
    public static OrderProgress FromSnapshot(JsonElement snapshot) =>
        new(Text(snapshot, "status") ?? "UNKNOWN", Text(snapshot, "currentStep"), Text(snapshot, "blockingReason") ?? Text(snapshot, "outcomeReason"), Closed: false);

    /// <summary>From the workflow's result (FulfillmentResult) once it closed.</summary>
    public static OrderProgress FromResult(JsonElement result) =>
        new(Text(result, "status") ?? "UNKNOWN", null, Text(result, "reason") ?? TrackingDetail(result), Closed: true);

    /// <summary>Property lookup ignoring case: Temporal serializes records PascalCase, the broker camelCase.</summary>
    public static string? Text(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.NameEquals(name) || string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
            }
        }

        return null;
    }

    private static string? TrackingDetail(JsonElement result) =>
        Text(result, "trackingNumber") is { } tracking ? $"shipment {Text(result, "shipmentId")}, tracking {tracking}" : null;
}

/// <summary>
/// Polls an order until it settles (see <see cref="OrderProgress.IsSettled"/>), printing each change, the
/// seed starter's "wait for the result" for workflows that wait for people and devices. While the
/// fulfillment workflow does not exist yet, it looks at the intake, which says why an order was rejected.
/// </summary>
public sealed class OrderWatcher(WorkflowInspector inspector, TextWriter output, TimeSpan pollInterval)
{
    public async Task<OrderProgress> WaitUntilSettledAsync(string requestId, string orderId, bool paymentApproved, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var intakeId = WorkflowIds.OrderIntake(requestId);
        var fulfillmentId = WorkflowIds.OrderFulfillment(orderId);
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (true)
        {
            var progress = await ProbeFulfillmentAsync(fulfillmentId).ConfigureAwait(false);
            var line = progress?.ToString() ?? await ProbeIntakeAsync(intakeId, requestId).ConfigureAwait(false);
            if (line != last)
            {
                await output.WriteLineAsync($"  {orderId}: {line}").ConfigureAwait(false);
                last = line;
            }

            if (progress is not null && progress.IsSettled(paymentApproved))
            {
                return progress;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new CliFailure(
                    ExitCodes.Timeout,
                    $"Order {orderId} did not settle within {timeout.TotalSeconds:0} s (last: {line}). Check the service's log and the error queue of the exchange.");
            }

            await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<OrderProgress?> ProbeFulfillmentAsync(string fulfillmentId)
    {
        var state = await inspector.TryDescribeAsync(fulfillmentId).ConfigureAwait(false);
        if (state is null)
        {
            return null;
        }

        if (state.IsRunning)
        {
            return await TryQueryAsync(fulfillmentId, QueryNames.Snapshot).ConfigureAwait(false) is { } snapshot
                ? OrderProgress.FromSnapshot(snapshot)
                : new OrderProgress("RUNNING", null, "no answer to the Snapshot query yet", Closed: false);
        }

        var (result, failure) = await inspector.OutcomeAsync(fulfillmentId).ConfigureAwait(false);
        return result is { } value ? OrderProgress.FromResult(value) : new OrderProgress("FAILED", null, failure, Closed: true);
    }

    /// <summary>
    /// A query that failed (the workflow closed in between, a slow worker) is no reason to stop waiting:
    /// null, and the next poll tries again until the timeout.
    /// </summary>
    private async Task<JsonElement?> TryQueryAsync(string workflowId, string query)
    {
        try
        {
            return await inspector.QueryAsync(workflowId, query).ConfigureAwait(false);
        }
        catch (CliFailure ex) when (ex.ExitCode == ExitCodes.Failure)
        {
            return null;
        }
    }

    /// <summary>What the intake says while there is no fulfillment; throws when the intake failed (rejected order).</summary>
    private async Task<string> ProbeIntakeAsync(string intakeId, string requestId)
    {
        var intake = await inspector.TryDescribeAsync(intakeId).ConfigureAwait(false);
        if (intake is null)
        {
            return "waiting for the service to consume the message";
        }

        if (intake.IsRunning)
        {
            return await TryQueryAsync(intakeId, QueryNames.IntakeStatus).ConfigureAwait(false) is { ValueKind: JsonValueKind.String } status
                ? $"intake {status.GetString()}"
                : "intake running";
        }

        var (_, failure) = await inspector.OutcomeAsync(intakeId).ConfigureAwait(false);
        if (failure is not null)
        {
            throw new CliFailure(ExitCodes.Failure, $"Order request {requestId} failed in intake {intakeId}: {failure}");
        }

        return "intake completed, starting fulfillment";
    }
}
