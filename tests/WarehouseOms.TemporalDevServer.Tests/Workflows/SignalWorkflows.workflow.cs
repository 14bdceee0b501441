using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>
/// Collects signalled items until told to finish; exposes them as queries. The result is the start
/// input followed by the signals: a signal that arrives with the start may be handled before the run
/// method's first line, so the input is kept apart from the signalled items.
/// </summary>
[Workflow]
public sealed class CollectorWorkflow
{
    private readonly List<string> items = [];
    private bool finished;

    [WorkflowQuery]
    public IReadOnlyList<string> Items => items;

    [WorkflowQuery]
    public int Count => items.Count;

    [WorkflowSignal]
    public Task AddAsync(string item)
    {
        items.Add(item);
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<IReadOnlyList<string>> RunAsync(string prefix)
    {
        await Workflow.WaitConditionAsync(() => finished);
        return [prefix, .. items];
    }
}

/// <summary>Blocks until released by a signal; used for cancel, terminate, describe and ID policies.</summary>
[Workflow]
public sealed class BlockingWorkflow
{
    private string? release;

    [WorkflowQuery]
    public string Stage { get; private set; } = "waiting";

    [WorkflowSignal]
    public Task ReleaseAsync(string result)
    {
        release = result;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => release is not null);
        Stage = "released";
        return release!;
    }
}

/// <summary>activity → wait for a signal → activity; the worker may be replaced while it waits.</summary>
[Workflow]
public sealed class TwoStepWorkflow
{
    private string? secondName;

    [WorkflowQuery]
    public string Stage { get; private set; } = "starting";

    [WorkflowSignal]
    public Task ContinueAsync(string name)
    {
        secondName = name;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync(string firstName)
    {
        var options = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10) };
        var first = await Workflow.ExecuteActivityAsync(() => TestActivities.Greet(firstName), options);
        Stage = "waiting for second step";
        await Workflow.WaitConditionAsync(() => secondName is not null);
        Stage = "second step";
        var second = await Workflow.ExecuteActivityAsync(() => TestActivities.Greet(secondName!), options);
        Stage = "done";
        return $"{first} {second}";
    }
}
