using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Fails the workflow with an application failure carrying a type and details.</summary>
[Workflow]
public sealed class FailingWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string reason) =>
        throw new ApplicationFailureException($"order rejected: {reason}", errorType: "OrderRejected", details: [reason]);
}

/// <summary>Completes immediately with its input.</summary>
[Workflow]
public sealed class EchoWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string value) => Task.FromResult(value);
}

public record IterationInput(int Iteration, int Last);

/// <summary>Continues as new until the last iteration, then reports how it got there.</summary>
[Workflow]
public sealed class ContinueAsNewWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(IterationInput input)
    {
        if (input.Iteration < input.Last)
        {
            var next = input with { Iteration = input.Iteration + 1 };
            throw Workflow.CreateContinueAsNewException((ContinueAsNewWorkflow wf) => wf.RunAsync(next));
        }

        return Task.FromResult(
            $"iteration {input.Iteration} continued from {Workflow.Info.ContinuedRunId ?? "none"} first {Workflow.Info.FirstExecutionRunId}");
    }
}

/// <summary>Fails its first attempt; under a workflow retry policy the second run succeeds.</summary>
[Workflow]
public sealed class FlakyWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync() =>
        Workflow.Info.Attempt < 2
            ? throw new ApplicationFailureException($"attempt {Workflow.Info.Attempt} fails")
            : Task.FromResult($"succeeded on attempt {Workflow.Info.Attempt}");
}
