using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>
/// Counts its cron runs through the last completion result: each run returns the last result plus one.
/// The run whose count is <c>failOnCount</c> fails once (a run that continues a failure never fails).
/// </summary>
[Workflow]
public sealed class CronCounterWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(int failOnCount)
    {
        var last = Workflow.Info.LastResult is { Count: > 0 } result ? Workflow.PayloadConverter.ToValue<int>(result.First().Payload) : 0;
        var count = last + 1;
        if (count == failOnCount && Workflow.Info.LastFailure is null)
        {
            throw new ApplicationFailureException($"run {count} fails", nonRetryable: true);
        }

        return Task.FromResult(count);
    }
}
