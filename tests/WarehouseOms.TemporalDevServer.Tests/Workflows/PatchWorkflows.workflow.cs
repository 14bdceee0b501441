using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Version 1 of the "PatchDemo" workflow, before the patch.</summary>
[Workflow(PatchNames.WorkflowType)]
public sealed class PatchDemoV1Workflow
{
    private bool released;

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        released = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => released);
        return "v1-path";
    }
}

/// <summary>Version 2 of "PatchDemo": new executions take the patched branch, old ones replay v1.</summary>
[Workflow(PatchNames.WorkflowType)]
public sealed class PatchDemoV2Workflow
{
    private bool released;

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        released = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var patched = Workflow.Patched(PatchNames.PatchId);
        await Workflow.WaitConditionAsync(() => released);
        return patched ? "v2-path" : "v1-path";
    }
}

public static class PatchNames
{
    public const string WorkflowType = "PatchDemo";
    public const string PatchId = "use-v2-path";
}
