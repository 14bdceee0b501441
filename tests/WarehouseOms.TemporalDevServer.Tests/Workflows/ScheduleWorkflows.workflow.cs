using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>What a scheduled run saw of the runs before it: the count carried by the last result, and the last failure.</summary>
public record ChainLink(int Count, string? LastFailure);

/// <summary>
/// A scheduled job that counts its successful runs through <c>Workflow.Info.LastResult</c>; the run that
/// would reach <c>failAt</c> fails once (its failure reaches the next run as <c>LastFailure</c>).
/// </summary>
[Workflow]
public sealed class ScheduledChainWorkflow
{
    [WorkflowRun]
    public Task<ChainLink> RunAsync(int failAt)
    {
        var previous = Workflow.Info.LastResult is { Count: > 0 } last ? Workflow.PayloadConverter.ToValue<ChainLink>(last.First()).Count : 0;
        var lastFailure = Workflow.Info.LastFailure?.Message;
        if (previous + 1 == failAt && lastFailure is null)
        {
            throw new ApplicationFailureException("scheduled run failed on purpose", nonRetryable: true);
        }

        return Task.FromResult(new ChainLink(previous + 1, lastFailure));
    }
}

/// <summary>A scheduled run that holds until released (or cancelled), so that the next action overlaps it.</summary>
[Workflow]
public sealed class ScheduledHoldWorkflow
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
        return Workflow.Info.WorkflowId;
    }
}
