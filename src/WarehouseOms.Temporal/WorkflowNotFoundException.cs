namespace WarehouseOms.Temporal;

/// <summary>
/// The workflow to signal does not exist. Consumers retry it a few times (the signal may have overtaken
/// the order), then the message goes to the error queue with this reason.
/// </summary>
public sealed class WorkflowNotFoundException(string workflowId, Exception? innerException = null)
    : Exception($"workflow not found: {workflowId}", innerException)
{
    public string WorkflowId { get; } = workflowId;
}
