using System.Collections.Concurrent;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Which <see cref="BrokenCodeWorkflow"/> runs are broken (their code throws); tests mend them.</summary>
public static class CodeFault
{
    private static readonly ConcurrentDictionary<string, bool> Broken = new();

    public static void Break(string key) => Broken[key] = true;

    public static void Mend(string key) => Broken.TryRemove(key, out _);

    public static bool IsBroken(string key) => Broken.ContainsKey(key);
}

/// <summary>Its workflow task fails (a bug, not a workflow failure) until the test mends it.</summary>
[Workflow]
public sealed class BrokenCodeWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string key) =>
        CodeFault.IsBroken(key)
            ? throw new InvalidOperationException("the workflow code is broken")
            : Task.FromResult("mended");
}

/// <summary>Takes items by update (validated: no empty item), waits to be told to finish, returns the items.</summary>
[Workflow]
public sealed class UpdatableWorkflow
{
    private readonly List<string> items = [];
    private bool released;
    private bool finished;

    [WorkflowRun]
    public async Task<IReadOnlyList<string>> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => finished && Workflow.AllHandlersFinished);
        return items;
    }

    [WorkflowUpdate]
    public Task<int> AddAsync(string item)
    {
        items.Add(item);
        return Task.FromResult(items.Count);
    }

    [WorkflowUpdateValidator(nameof(AddAsync))]
    public void ValidateAdd(string item)
    {
        if (string.IsNullOrEmpty(item))
        {
            throw new ApplicationFailureException("an item must not be empty");
        }
    }

    /// <summary>Accepted at once, completes only after <see cref="ReleaseAsync"/>.</summary>
    [WorkflowUpdate]
    public async Task<string> AddWhenReleasedAsync(string item)
    {
        await Workflow.WaitConditionAsync(() => released);
        items.Add(item);
        return $"added {item}";
    }

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        released = true;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }
}

/// <summary>Schedules an activity whose input is larger than the server's blob limit.</summary>
[Workflow]
public sealed class OversizedActivityInputWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(int size) =>
        Workflow.ExecuteActivityAsync(() => FidelityActivities.Echo(new string('x', size)), new() { StartToCloseTimeout = TimeSpan.FromSeconds(5) });
}

/// <summary>Adds an entry of the given size to its memo, then waits to be terminated.</summary>
[Workflow]
public sealed class MemoGrowingWorkflow
{
    [WorkflowRun]
    public async Task RunAsync(int entrySize)
    {
        Workflow.UpsertMemo(MemoUpdate.ValueSet("added", new string('m', entrySize)));
        await Workflow.DelayAsync(TimeSpan.FromMinutes(5));
    }
}

/// <summary>Continues as new once, with a memo of the given size.</summary>
[Workflow]
public sealed class MemoContinuingWorkflow
{
    [WorkflowRun]
    public Task RunAsync(int memoSize) =>
        memoSize == 0
            ? Task.CompletedTask
            : throw Workflow.CreateContinueAsNewException((MemoContinuingWorkflow wf) => wf.RunAsync(0), new() { Memo = new Dictionary<string, object> { ["big"] = new string('m', memoSize) } });
}

/// <summary>Grows its history by one short timer after another, forever (until the server stops it).</summary>
[Workflow]
public sealed class EndlessTimersWorkflow
{
    [WorkflowRun]
    public async Task RunAsync()
    {
        while (true)
        {
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
        }
    }
}
