using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Workflow clock readings around a wait, so tests can see the (possibly skipped) time.</summary>
public record ClockReading(DateTime Before, DateTime After, bool ConditionMet);

/// <summary>Sleeps on a durable timer.</summary>
[Workflow]
public sealed class TimerWorkflow
{
    [WorkflowRun]
    public async Task<ClockReading> RunAsync(double delaySeconds)
    {
        var before = Workflow.UtcNow;
        await Workflow.DelayAsync(TimeSpan.FromSeconds(delaySeconds));
        return new(before, Workflow.UtcNow, ConditionMet: true);
    }
}

/// <summary>Waits for a release signal with a timeout (an approval or pick timeout).</summary>
[Workflow]
public sealed class WaitConditionWorkflow
{
    private bool released;

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        released = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<ClockReading> RunAsync(double timeoutSeconds)
    {
        var before = Workflow.UtcNow;
        var met = await Workflow.WaitConditionAsync(() => released, TimeSpan.FromSeconds(timeoutSeconds));
        return new(before, Workflow.UtcNow, met);
    }
}

/// <summary>An activity, a long timer, another activity: time may only skip while no activity runs.</summary>
[Workflow]
public sealed class ActivityTimerActivityWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(double delaySeconds)
    {
        var options = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10) };
        var first = await Workflow.ExecuteActivityAsync(() => TestActivities.Greet("before"), options);
        await Workflow.DelayAsync(TimeSpan.FromSeconds(delaySeconds));
        var second = await Workflow.ExecuteActivityAsync(() => TestActivities.Greet("after"), options);
        return $"{first} {second}";
    }
}

/// <summary>Two timers one after the other (the second starts in the task the first one's firing brings).</summary>
[Workflow]
public sealed class TwoTimersWorkflow
{
    [WorkflowRun]
    public async Task RunAsync(double firstSeconds, double secondSeconds)
    {
        await Workflow.DelayAsync(TimeSpan.FromSeconds(firstSeconds));
        await Workflow.DelayAsync(TimeSpan.FromSeconds(secondSeconds));
    }
}
