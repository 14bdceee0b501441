using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Cron workflows (the start option <c>CronSchedule</c>) as Temporal runs them: the first task waits for the
/// schedule, each run that completes, fails or times out starts the next one on the schedule with the last
/// result and failure, and only termination or cancellation ends the chain.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class CronWorkflowTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private const string EverySecond = "@every 1s";

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_cron_workflow_runs_on_its_schedule_carrying_the_last_result_and_failure_until_terminated()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CronCounterWorkflow>(), async () =>
        {
            var options = Options("cron");
            options.CronSchedule = EverySecond;
            var handle = await Client.StartWorkflowAsync((CronCounterWorkflow wf) => wf.RunAsync(2), options);

            var runs = await ChainAsync(handle.Id, handle.ResultRunId!, 3);

            var first = runs[0][0].WorkflowExecutionStartedEventAttributes;
            Assert.Equal((ContinueAsNewInitiator.CronSchedule, EverySecond, 1), (first.Initiator, first.CronSchedule, first.Attempt));
            // The first task waits for the schedule's next time, in whole seconds (here: the next second).
            Assert.Equal(TimeSpan.FromSeconds(1), first.FirstWorkflowTaskBackoff.ToTimeSpan());
            // (The started event is stamped a moment after the backoff was measured from.)
            Assert.True(runs[0][1].EventTime.ToDateTime() - runs[0][0].EventTime.ToDateTime() >= TimeSpan.FromMilliseconds(990), "the first task is scheduled after the backoff");

            var completed = runs[0][^1];
            Assert.Equal(EventType.WorkflowExecutionCompleted, completed.EventType);
            Assert.Equal(1, Int(completed.WorkflowExecutionCompletedEventAttributes.Result.Payloads_[0]));

            var second = runs[1][0].WorkflowExecutionStartedEventAttributes;
            Assert.Equal((ContinueAsNewInitiator.CronSchedule, EverySecond, 1), (second.Initiator, second.CronSchedule, second.Attempt));
            Assert.Equal(handle.ResultRunId, second.ContinuedExecutionRunId);
            Assert.Equal(handle.ResultRunId, second.FirstExecutionRunId);
            Assert.Equal(1, Int(second.LastCompletionResult.Payloads_[0]));
            Assert.Equal(0, second.FirstWorkflowTaskBackoff.Nanos);
            Assert.Equal(first.Input, second.Input);

            var failed = runs[1][^1];
            Assert.Equal(EventType.WorkflowExecutionFailed, failed.EventType);
            Assert.Equal(RetryState.RetryPolicyNotSet, failed.WorkflowExecutionFailedEventAttributes.RetryState);

            // The run after a failure gets the failure and the last successful result before it.
            var third = runs[2][0].WorkflowExecutionStartedEventAttributes;
            Assert.Equal("run 2 fails", third.ContinuedFailure.Message);
            Assert.Equal(1, Int(third.LastCompletionResult.Payloads_[0]));
            Assert.Equal(2, Int(runs[2][^1].WorkflowExecutionCompletedEventAttributes.Result.Payloads_[0]));

            // Terminating the current run ends the chain: no run follows it.
            var current = Client.GetWorkflowHandle(handle.Id);
            var currentRunId = (await current.DescribeAsync(new() { Rpc = Rpc })).RunId;
            await current.TerminateAsync("enough", new() { Rpc = Rpc });
            await Task.Delay(TimeSpan.FromSeconds(2), Deadline);
            var after = await current.DescribeAsync(new() { Rpc = Rpc });
            Assert.Equal((currentRunId, WorkflowExecutionStatus.Terminated), (after.RunId, (WorkflowExecutionStatus)after.Status));
            var terminated = (await Client.GetWorkflowHandle(handle.Id, currentRunId).FetchHistoryAsync(HistoryRpc)).Events.Last();
            Assert.Equal(EventType.WorkflowExecutionTerminated, terminated.EventType);
        });
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData("* * * *", null, "invalid CronSchedule.")]
    [InlineData("0 * * * * *", null, "invalid CronSchedule.")]
    [InlineData("61 * * * *", null, "invalid CronSchedule.")]
    [InlineData("@every 1s", 5, "CronSchedule and WorkflowStartDelay may not be used together.")]
    public async Task A_cron_schedule_Temporal_would_refuse_is_an_invalid_argument(string cron, int? startDelaySeconds, string message)
    {
        var options = Options("cron-invalid");
        options.CronSchedule = cron;
        options.StartDelay = startDelaySeconds is { } s ? TimeSpan.FromSeconds(s) : null;
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.StartWorkflowAsync((CronCounterWorkflow wf) => wf.RunAsync(0), options));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, message), (error.Code, error.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_cron_workflows_first_task_waits_for_the_schedule_and_a_signal_does_not_end_the_wait()
    {
        var options = Options("cron-wait");
        options.CronSchedule = "0 * * * *"; // on the hour
        var handle = await Client.StartWorkflowAsync((CronCounterWorkflow wf) => wf.RunAsync(0), options);
        await Client.GetWorkflowHandle(handle.Id).SignalAsync("nudge", [], SignalRpc);

        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var started = events[0].WorkflowExecutionStartedEventAttributes;
        // Whole seconds up to the next full hour (measured a moment before the started event was stamped).
        Assert.Equal(0, started.FirstWorkflowTaskBackoff.Nanos);
        var startTime = events[0].EventTime.ToDateTime();
        var nextHour = new DateTime(startTime.Year, startTime.Month, startTime.Day, startTime.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
        var firstTask = startTime + started.FirstWorkflowTaskBackoff.ToTimeSpan();
        Assert.InRange(firstTask, nextHour.AddSeconds(-1), nextHour.AddSeconds(1));
        Assert.Equal([EventType.WorkflowExecutionStarted, EventType.WorkflowExecutionSignaled], events.Select(e => e.EventType));
        await handle.TerminateAsync("not needed", new() { Rpc = Rpc });
    }

    /// <summary>The first <paramref name="count"/> runs of a cron chain, each once it has closed and named its successor.</summary>
    private async Task<List<List<HistoryEvent>>> ChainAsync(string workflowId, string firstRunId, int count)
    {
        var runs = new List<List<HistoryEvent>>();
        for (var runId = firstRunId; runs.Count < count;)
        {
            var events = await Eventually.UntilAsync(
                async () => (await Client.GetWorkflowHandle(workflowId, runId).FetchHistoryAsync(HistoryRpc)).Events.ToList(),
                e => NextRunId(e[^1]) is { Length: > 0 }, $"run {runs.Count + 1} to close and start the next", cancellationToken: Deadline);
            runs.Add(events);
            runId = NextRunId(events[^1])!;
        }

        return runs;
    }

    private static string? NextRunId(HistoryEvent e) => e.EventType switch
    {
        EventType.WorkflowExecutionCompleted => e.WorkflowExecutionCompletedEventAttributes.NewExecutionRunId,
        EventType.WorkflowExecutionFailed => e.WorkflowExecutionFailedEventAttributes.NewExecutionRunId,
        EventType.WorkflowExecutionTimedOut => e.WorkflowExecutionTimedOutEventAttributes.NewExecutionRunId,
        _ => null,
    };

    private static int Int(Temporalio.Api.Common.V1.Payload payload) =>
        System.Text.Json.JsonSerializer.Deserialize<int>(payload.Data.Span);
}
