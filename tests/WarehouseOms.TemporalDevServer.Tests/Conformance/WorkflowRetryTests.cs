using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Converters;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>Workflow retry as Temporal does it: retry states, run timeouts retried, children heard of once.</summary>
[Collection(WorkflowsCollection.Name)]
public sealed class WorkflowRetryTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private static readonly RetryPolicy TwoQuickAttempts = new() { MaximumAttempts = 2, InitialInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 1 };

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData(false, false, RetryState.RetryPolicyNotSet, 1)]
    [InlineData(true, false, RetryState.MaximumAttemptsReached, 2)]
    [InlineData(true, true, RetryState.NonRetryableFailure, 1)]
    public async Task FailedWorkflow_HasTheRetryStateTemporalSets(bool withPolicy, bool nonRetryable, RetryState expected, int runs)
    {
        var (state, message) = await WithWorkerAsync(WorkerOptions().AddWorkflow<AlwaysFailingWorkflow>(), async () =>
        {
            var options = Options("retry-state");
            options.RetryPolicy = withPolicy ? TwoQuickAttempts : null;
            var error = await Assert.ThrowsAsync<WorkflowFailedException>(
                () => Client.ExecuteWorkflowAsync((AlwaysFailingWorkflow wf) => wf.RunAsync(nonRetryable), options));
            Assert.Equal(runs, await CountAsync($"WorkflowId = '{options.Id}'"));
            var last = await Client.GetWorkflowHandle(options.Id!).FetchHistoryAsync(HistoryRpc);
            return (last.Events.Last().WorkflowExecutionFailedEventAttributes.RetryState, error.InnerException?.Message);
        });

        Assert.Equal(expected, state);
        Assert.Equal($"attempt {runs}", message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RunTimeout_IsRetriedUnderTheRetryPolicy_KeepingRunTimeoutAndMemo()
    {
        var options = Options("run-timeout-retry");
        options.RunTimeout = TimeSpan.FromSeconds(1);
        options.RetryPolicy = TwoQuickAttempts;
        options.Memo = new Dictionary<string, object> { ["origin"] = "first start" };

        var error = await WithWorkerAsync(WorkerOptions().AddWorkflow<SlowWorkflow>(), () =>
            Assert.ThrowsAsync<WorkflowFailedException>(() => Client.ExecuteWorkflowAsync((SlowWorkflow wf) => wf.RunAsync(), options)));

        Assert.IsType<TimeoutFailureException>(error.InnerException);
        Assert.Equal(2, await CountAsync($"WorkflowId = '{options.Id}' AND ExecutionStatus = 'TimedOut'"));
        var last = await Client.GetWorkflowHandle(options.Id!).FetchHistoryAsync(HistoryRpc);
        var started = last.Events.First().WorkflowExecutionStartedEventAttributes;
        Assert.Equal(2, started.Attempt);
        Assert.Equal(ContinueAsNewInitiator.Retry, started.Initiator);
        Assert.Equal(TimeSpan.FromSeconds(1), started.WorkflowRunTimeout.ToTimeSpan());
        Assert.Equal("first start", DataConverter.Default.PayloadConverter.ToValue<string>(started.Memo.Fields["origin"]));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task RunTimeout_CountsFromTheFirstWorkflowTask_AndWithoutAPolicyIsNotRetried()
    {
        // No worker: the run only waits. A 1.5 s start delay, then a 1.5 s run timeout: Temporal times the run out
        // 3 s after its start (run timeout + first task backoff), with RETRY_POLICY_NOT_SET.
        var options = Options("run-timeout-delay");
        options.StartDelay = TimeSpan.FromSeconds(1.5);
        options.RunTimeout = TimeSpan.FromSeconds(1.5);
        var handle = await Client.StartWorkflowAsync((SlowWorkflow wf) => wf.RunAsync(), options);

        await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));

        var events = (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();
        var timedOut = events[^1];
        Assert.Equal(RetryState.RetryPolicyNotSet, timedOut.WorkflowExecutionTimedOutEventAttributes.RetryState);
        Assert.InRange(timedOut.EventTime.ToDateTime() - events[0].EventTime.ToDateTime(), TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(10));
        Assert.Contains(events, e => e.EventType == EventType.WorkflowTaskScheduled);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task ChildWithRetryPolicy_ParentHearsOnce_AfterTheLastAttempt()
    {
        var (result, failures) = await WithWorkerAsync(WorkerOptions().AddWorkflow<ParentOfRetriedChildWorkflow>().AddWorkflow<AlwaysFailingWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((ParentOfRetriedChildWorkflow wf) => wf.RunAsync(), Options("retried-child"));
            var outcome = await handle.GetResultAsync(rpcOptions: Rpc);
            var history = await handle.FetchHistoryAsync(HistoryRpc);
            return (outcome, history.Events.Count(e => e.EventType == EventType.ChildWorkflowExecutionFailed));
        });

        Assert.Equal("MaximumAttemptsReached: attempt 3", result);
        Assert.Equal(1, failures);
    }
}
