using Temporalio.Activities;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>
/// Worker Versioning: each step runs an activity that names the build of the worker it ran on; between
/// steps the run waits for a signal, so a test can change the deployment's routing while it is open.
/// </summary>
[Workflow]
public sealed class VersionedStepsWorkflow
{
    public const string BrokenBuild = "broken";

    private int released;

    [WorkflowSignal]
    public Task ProceedAsync()
    {
        released++;
        return Task.CompletedTask;
    }

    /// <summary>An update whose validator refuses a negative step count, so that its task leaves no trace.</summary>
    [WorkflowUpdateValidator(nameof(SkipAsync))]
    public void ValidateSkip(int steps)
    {
        if (steps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), "cannot skip a negative number of steps");
        }
    }

    [WorkflowUpdate]
    public Task SkipAsync(int steps)
    {
        released += steps;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<List<string>> RunAsync(int steps)
    {
        var ran = new List<string>();
        for (var step = 0; step < steps; step++)
        {
            if (step > 0)
            {
                var waitFor = step;
                await Workflow.WaitConditionAsync(() => released >= waitFor);
            }

            // A build named "broken" fails every workflow task that reaches a step on it, as a bad deployment does.
            if (Workflow.CurrentDeploymentVersion?.BuildId == BrokenBuild)
            {
                throw new InvalidOperationException("this build is broken");
            }

            ran.Add(await Workflow.ExecuteActivityAsync((BuildProbe probe) => probe.BuildIdAsync(), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) }));
        }

        return ran;
    }
}

/// <summary>Registered per worker with that worker's build ID: the activity answers which version ran it.</summary>
public sealed class BuildProbe(string buildId)
{
    [Activity]
    public Task<string> BuildIdAsync() => Task.FromResult(buildId);
}

/// <summary>
/// Waits for a signal, continues as new (with <c>onContinue</c> as its initial versioning behavior), and the new
/// run names the build that ran its activity.
/// </summary>
[Workflow]
public sealed class VersionedChainWorkflow
{
    private bool proceed;

    [WorkflowSignal]
    public Task ProceedAsync()
    {
        proceed = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync(bool continued, InitialVersioningBehavior onContinue)
    {
        if (!continued)
        {
            await Workflow.WaitConditionAsync(() => proceed);
            throw Workflow.CreateContinueAsNewException(
                (VersionedChainWorkflow wf) => wf.RunAsync(true, InitialVersioningBehavior.Unspecified),
                new() { InitialVersioningBehavior = onContinue });
        }

        return await Workflow.ExecuteActivityAsync((BuildProbe probe) => probe.BuildIdAsync(), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
    }
}

/// <summary>Waits for a signal, then runs a child on its own task queue that names the build that ran its activity.</summary>
[Workflow]
public sealed class VersionedParentWorkflow
{
    private bool proceed;

    [WorkflowSignal]
    public Task ProceedAsync()
    {
        proceed = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => proceed);
        return await Workflow.ExecuteChildWorkflowAsync((VersionedChainWorkflow wf) => wf.RunAsync(true, InitialVersioningBehavior.Unspecified), new() { Id = $"{Workflow.Info.WorkflowId}-child" });
    }
}


/// <summary>Fails its first attempt; a retry names the build that ran its activity.</summary>
[Workflow]
public sealed class VersionedRetryWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        if (Workflow.Info.Attempt == 1)
        {
            throw new Temporalio.Exceptions.ApplicationFailureException("first attempt fails");
        }

        return await Workflow.ExecuteActivityAsync((BuildProbe probe) => probe.BuildIdAsync(), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
    }
}
