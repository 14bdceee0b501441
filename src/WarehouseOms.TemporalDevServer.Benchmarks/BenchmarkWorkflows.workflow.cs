using Temporalio.Activities;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Benchmarks;

/// <summary>The measured unit: start → one activity → complete.</summary>
[Workflow]
public sealed class OneActivityWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(int value) =>
        Workflow.ExecuteActivityAsync(
            () => BenchmarkActivities.Increment(value),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

public static class BenchmarkActivities
{
    [Activity]
    public static int Increment(int value) => value + 1;
}

/// <summary>Counts signals until told to finish; the result proves none were lost or duplicated.</summary>
[Workflow]
public sealed class SignalCounterWorkflow
{
    private int count;
    private bool finished;

    [WorkflowSignal]
    public Task IncrementAsync()
    {
        count++;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<int> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => finished);
        return count;
    }
}
