using Temporalio.Activities;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

public sealed record ChaosInput(int Index, int ExpectedSignals, int Generation = 0, IReadOnlyList<string>? Carried = null, int Value = 0);

public sealed record ChaosResult(int Value, IReadOnlyList<string> Signals);

/// <summary>
/// Everything the engine must carry across a crash, in one workflow: an activity that fails before it
/// succeeds, a heartbeating activity that resumes from its details, a timer, a child, signals (deduplicated
/// by ID, as at-least-once senders require) and one continue-as-new. The result depends only on the input.
/// </summary>
[Workflow]
public sealed class ChaosWorkflow
{
    private readonly SortedSet<string> seen = new(StringComparer.Ordinal);

    public static int Expected(int index) => (index * 2) + ChaosActivities.HeartbeatSteps + (index + 1);

    [WorkflowSignal]
    public Task AddAsync(string signalId)
    {
        seen.Add(signalId);
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<ChaosResult> RunAsync(ChaosInput input)
    {
        foreach (var carried in input.Carried ?? [])
        {
            seen.Add(carried);
        }

        if (input.Generation == 0)
        {
            var flaky = await Workflow.ExecuteActivityAsync(
                (ChaosActivities a) => a.FlakyAsync(input.Index),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(10), RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(300), BackoffCoefficient = 1 } });
            var steps = await Workflow.ExecuteActivityAsync(
                (ChaosActivities a) => a.StepsAsync(),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(30), HeartbeatTimeout = TimeSpan.FromSeconds(3), RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(300), BackoffCoefficient = 1 } });
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1500 + (input.Index % 4 * 500)));
            var child = await Workflow.ExecuteChildWorkflowAsync(
                (ChaosChildWorkflow c) => c.RunAsync(input.Index),
                new() { Id = $"{Workflow.Info.WorkflowId}-child", TaskTimeout = TimeSpan.FromSeconds(3) });
            await Workflow.WaitConditionAsync(() => seen.Count >= (input.ExpectedSignals + 1) / 2);
            var next = input with { Generation = 1, Carried = seen.ToList(), Value = flaky + steps + child };
            throw Workflow.CreateContinueAsNewException(
                (ChaosWorkflow w) => w.RunAsync(next),
                new() { TaskTimeout = TimeSpan.FromSeconds(3) });
        }

        await Workflow.WaitConditionAsync(() => seen.Count >= input.ExpectedSignals);
        return new ChaosResult(input.Value, seen.ToList());
    }
}

[Workflow]
public sealed class ChaosChildWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int index)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(500));
        return index + 1;
    }
}

/// <summary>A timer alone: started, then the engine goes down past its fire time.</summary>
[Workflow]
public sealed class SleeperWorkflow
{
    [WorkflowRun]
    public async Task<DateTime> RunAsync(TimeSpan sleep)
    {
        await Workflow.DelayAsync(sleep);
        return Workflow.UtcNow;
    }
}

public sealed class ChaosActivities
{
    public const int HeartbeatSteps = 5;

    /// <summary>Fails its first two attempts, then answers.</summary>
    [Activity]
    public Task<int> FlakyAsync(int index) =>
        ActivityExecutionContext.Current.Info.Attempt < 3
            ? throw new ApplicationFailureException("not yet")
            : Task.FromResult(index * 2);

    /// <summary>Walks its steps, heartbeating each; a retry resumes from the last step heartbeated.</summary>
    [Activity]
    public async Task<int> StepsAsync()
    {
        var context = ActivityExecutionContext.Current;
        var step = context.Info.HeartbeatDetails.Count > 0 ? await context.Info.HeartbeatDetailAtAsync<int>(0) : 0;
        for (; step < HeartbeatSteps; step++)
        {
            await Task.Delay(200, context.CancellationToken);
            context.Heartbeat(step + 1);
        }

        // The same answer however many attempts it took.
        return HeartbeatSteps;
    }
}
