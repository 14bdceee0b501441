using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Fails every workflow task with an exception whose message alone is past the server's blob limit.</summary>
[Workflow]
public sealed class OversizeTaskFailureWorkflow
{
    [WorkflowRun]
    public Task RunAsync(int messageLength) => throw new InvalidOperationException(new string('w', messageLength));
}
