using Temporalio.Activities;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Activities an operator acts on (pause, reset, new options) while the test holds them.</summary>
public static class OperatorActivities
{
    /// <summary>
    /// Records its attempt, the heartbeat details it started with, its task queue and start-to-close
    /// timeout, then its task token; the test completes or fails it through the client.
    /// </summary>
    [Activity]
    public static async Task<string> HoldAsync()
    {
        var info = ActivityExecutionContext.Current.Info;
        var details = info.HeartbeatDetails.Count > 0 ? await info.HeartbeatDetailAtAsync<string>(0) : "none";
        ActivityJournal.Record(info.WorkflowId!, $"attempt:{info.Attempt}:details:{details}:queue:{info.TaskQueue}:stc:{info.StartToCloseTimeout?.TotalSeconds}");
        ActivityJournal.Record(info.WorkflowId!, "token:" + Convert.ToBase64String(info.TaskToken));
        throw new CompleteAsyncException();
    }
}

/// <summary>One held activity (ID <see cref="ActivityId"/>) with fast retries on a task queue of the caller's choice.</summary>
[Workflow]
public sealed class HeldActivityWorkflow
{
    public const string ActivityId = "held";

    [WorkflowRun]
    public Task<string> RunAsync(string activityTaskQueue) =>
        Workflow.ExecuteActivityAsync(
            () => OperatorActivities.HoldAsync(),
            new()
            {
                ActivityId = ActivityId,
                TaskQueue = activityTaskQueue,
                StartToCloseTimeout = TimeSpan.FromSeconds(30),
                // Retries fall due at once: only a pause can hold them back.
                RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(1), BackoffCoefficient = 1, MaximumInterval = TimeSpan.FromMilliseconds(1) },
            });
}

/// <summary>Greets once per signalled name, then returns the greetings when told to finish.</summary>
[Workflow]
public sealed class ResettableWorkflow
{
    private readonly List<string> names = [];
    private bool finished;

    [WorkflowQuery]
    public int Received => names.Count;

    [WorkflowSignal]
    public Task AddAsync(string name)
    {
        names.Add(name);
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<IReadOnlyList<string>> RunAsync(string first)
    {
        var options = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10) };
        var greetings = new List<string> { await Workflow.ExecuteActivityAsync(() => TestActivities.Greet(first), options) };
        await Workflow.WaitConditionAsync(() => finished);
        foreach (var name in names)
        {
            greetings.Add(await Workflow.ExecuteActivityAsync(() => TestActivities.Greet(name), options));
        }

        return greetings;
    }
}

/// <summary>One greeting whose activity goes through a task queue of the caller's choice.</summary>
[Workflow]
public sealed class ProbeWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string activityTaskQueue) =>
        Workflow.ExecuteActivityAsync(
            () => TestActivities.Greet("probe"),
            new() { TaskQueue = activityTaskQueue, StartToCloseTimeout = TimeSpan.FromSeconds(10) });
}
