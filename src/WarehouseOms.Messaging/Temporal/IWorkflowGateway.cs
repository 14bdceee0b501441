using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Temporal;

/// <summary>
/// The two things consumers ask of Temporal. Kept small so consumer tests can use a fake instead of a
/// server. Implementations translate Temporal's errors into the exceptions below, which the endpoint
/// retry policies (<see cref="Consumers.EndpointPolicies"/>) understand.
/// </summary>
public interface IWorkflowGateway
{
    /// <summary>Starts (or joins) the intake workflow of a submission.</summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task<StartOutcome> StartOrderIntakeAsync(OrderIntakeInput input, CancellationToken cancellationToken);

    /// <summary>Sends a signal to <c>order-fulfillment-{orderId}</c>.</summary>
    /// <exception cref="WorkflowNotFoundException">No such workflow (yet).</exception>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task<SignalOutcome> SignalFulfillmentAsync(string orderId, string signalName, object payload, CancellationToken cancellationToken);
}

public enum StartOutcome
{
    /// <summary>A new workflow was started, or a running one with the same ID was joined.</summary>
    Started,

    /// <summary>The workflow already ran to completion earlier: the message is a duplicate.</summary>
    AlreadyHandled,
}

public enum SignalOutcome
{
    Delivered,

    /// <summary>The workflow has already finished: a late duplicate, nothing left to change.</summary>
    WorkflowClosed,
}

/// <summary>Temporal did not answer (network, server down, deadline). Transient: retried with backoff.</summary>
public sealed class TemporalUnavailableException(string message, Exception innerException)
    : Exception(message, innerException);

/// <summary>
/// The workflow to signal does not exist. Retried a few times (the signal may have overtaken the
/// order), then the message goes to the error queue with this reason.
/// </summary>
public sealed class WorkflowNotFoundException(string workflowId, Exception? innerException = null)
    : Exception($"workflow not found: {workflowId}", innerException)
{
    public string WorkflowId { get; } = workflowId;
}
