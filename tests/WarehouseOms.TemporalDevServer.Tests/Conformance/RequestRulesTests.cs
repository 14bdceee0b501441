using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// How Temporal's frontend and history services take requests at their edges: signal and signal-with-start
/// request IDs, the legacy TERMINATE_IF_RUNNING policy, reuse-policy refusals, update wait stages and
/// update-with-start checks, queries and updates that no worker could answer. Codes and messages are Temporal's.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class RequestRulesTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private WorkflowService Service => Client.Connection.WorkflowService;

    private string Namespace => Client.Options.Namespace;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStart_RetriedWithItsRequestId_SignalsOnce_AndTheEventCarriesTheRequestId()
    {
        var id = NewWorkflowId("sws-dedup");
        var first = await Service.SignalWithStartWorkflowExecutionAsync(SignalWithStart(id, "req-1"), Rpc);
        var again = await Service.SignalWithStartWorkflowExecutionAsync(SignalWithStart(id, "req-1"), Rpc);
        var other = await Service.SignalWithStartWorkflowExecutionAsync(SignalWithStart(id, "req-2"), Rpc);

        Assert.True(first.Started);
        Assert.False(again.Started);
        Assert.Equal(first.RunId, again.RunId);
        Assert.False(other.Started);
        var handle = Client.GetWorkflowHandle(id);
        var signals = (await handle.FetchHistoryAsync(HistoryRpc)).Events
            .Where(e => e.EventType == EventType.WorkflowExecutionSignaled).Select(e => e.WorkflowExecutionSignaledEventAttributes.RequestId).ToList();
        Assert.Equal(["req-1", "req-2"], signals);
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStart_ConflictPolicyFail_IsRefusedAsInvalid_RunningOrNot()
    {
        var id = NewWorkflowId("sws-fail");
        var request = SignalWithStart(id, "req-1");
        request.WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.Fail;

        var refused = await Assert.ThrowsAsync<RpcException>(() => Service.SignalWithStartWorkflowExecutionAsync(request, Rpc));

        Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
        Assert.Equal("Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.", refused.Message);
        Assert.Empty(await ListIdsAsync($"WorkflowId = '{id}'"));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task SignalWithStart_TerminateIfRunning_ReplacesTheRunningWorkflow_AsTheHistoryServiceRecordsIt()
    {
        var id = NewWorkflowId("sws-terminate");
        var first = await Service.SignalWithStartWorkflowExecutionAsync(SignalWithStart(id, "req-1"), Rpc);
        var second = SignalWithStart(id, "req-2");
#pragma warning disable CS0612 // the legacy policy is what this test is about
        second.WorkflowIdReusePolicy = WorkflowIdReusePolicy.TerminateIfRunning;
#pragma warning restore CS0612

        var replaced = await Service.SignalWithStartWorkflowExecutionAsync(second, Rpc);

        Assert.True(replaced.Started);
        Assert.NotEqual(first.RunId, replaced.RunId);
        var old = (await Client.GetWorkflowHandle(id, first.RunId).FetchHistoryAsync(HistoryRpc)).Events.Last();
        var terminated = old.WorkflowExecutionTerminatedEventAttributes;
        Assert.Equal("TerminateIfRunning WorkflowIdReusePolicy", terminated.Reason);
        Assert.Equal("history-service", terminated.Identity);
        Assert.Equal($"terminated by new runID: {replaced.RunId}", DataConverter.Default.PayloadConverter.ToValue<string>(terminated.Details.Payloads_.Single()));

        second.RequestId = "req-3";
        second.WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.UseExisting;
        var mixed = await Assert.ThrowsAsync<RpcException>(() => Service.SignalWithStartWorkflowExecutionAsync(second, Rpc));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, mixed.Code);
        Assert.Equal("Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy", mixed.Message);
        await Client.GetWorkflowHandle(id).TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_signal_retried_with_its_request_id_after_the_run_closed_succeeds_and_a_new_one_does_not()
    {
        var id = NewWorkflowId("signal-retry");
        var run = await Service.StartWorkflowExecutionAsync(Start(id, "start-1"), Rpc);
        Assert.Equal(WorkflowExecutionStatus.Running, run.Status);
        await Service.SignalWorkflowExecutionAsync(Signal(id, "sig-1"), Rpc);
        await Client.GetWorkflowHandle(id).TerminateAsync("done", new() { Rpc = Rpc });

        await Service.SignalWorkflowExecutionAsync(Signal(id, "sig-1"), Rpc);
        var fresh = await Assert.ThrowsAsync<RpcException>(() => Service.SignalWorkflowExecutionAsync(Signal(id, "sig-2"), Rpc));

        Assert.Equal(RpcException.StatusCode.NotFound, fresh.Code);
        Assert.Equal("workflow execution already completed", fresh.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Reuse_policies_refuse_a_closed_runs_id_with_temporals_messages_and_a_start_reports_its_status()
    {
        var id = NewWorkflowId("reuse");
        var run = await Service.StartWorkflowExecutionAsync(Start(id, "start-1"), Rpc);
        await Client.GetWorkflowHandle(id).TerminateAsync("done", new() { Rpc = Rpc });
        var deduplicated = await Service.StartWorkflowExecutionAsync(Start(id, "start-1"), Rpc);
        Assert.Equal(WorkflowExecutionStatus.Terminated, deduplicated.Status);

        var reject = Start(id, "start-2");
        reject.WorkflowIdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate;
        var rejected = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(reject, Rpc));
        Assert.Equal(RpcException.StatusCode.AlreadyExists, rejected.Code);
        Assert.Equal($"Workflow execution already finished. WorkflowId: {id}, RunId: {run.RunId}. Workflow Id reuse policy: reject duplicate workflow Id.", rejected.Message);

        var failedOnly = Start(id, "start-3");
        failedOnly.WorkflowIdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly;
        var restarted = await Service.StartWorkflowExecutionAsync(failedOnly, Rpc); // terminated counts as failed
        Assert.True(restarted.Started);
        await Service.SignalWorkflowExecutionAsync(Signal(id, "finish", "Finish"), Rpc);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<CollectorWorkflow>(), () => Client.GetWorkflowHandle(id).GetResultAsync(rpcOptions: Rpc));
        failedOnly.RequestId = "start-4";
        var succeeded = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(failedOnly, Rpc));
        Assert.Equal(
            $"Workflow execution already finished successfully. WorkflowId: {id}, RunId: {restarted.RunId}. Workflow Id reuse policy: allow duplicate workflow Id if last run failed.",
            succeeded.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_update_without_a_wait_stage_waits_for_completion_and_admitted_is_refused()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<UpdatableWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("update-stage"));

            var unspecified = await Service.UpdateWorkflowExecutionAsync(Update(handle.Id, "u1", stage: null), Rpc);
            Assert.Equal(UpdateWorkflowExecutionLifecycleStage.Completed, unspecified.Stage);
            Assert.NotNull(unspecified.Outcome.Success);

            var admitted = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkflowExecutionAsync(Update(handle.Id, "u2", UpdateWorkflowExecutionLifecycleStage.Admitted), Rpc));
            Assert.Equal(RpcException.StatusCode.PermissionDenied, admitted.Code);
            Assert.Equal("UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported.", admitted.Message);

            var noMeta = Update(handle.Id, "u3", stage: null);
            noMeta.Request.Meta = null;
            var missing = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkflowExecutionAsync(noMeta, Rpc));
            Assert.Equal("Update meta is not set on request.", missing.Message);
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
        });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Updates_and_queries_fail_fast_while_the_workflow_task_keeps_failing()
    {
        var key = Guid.NewGuid().ToString("N");
        CodeFault.Break(key);
        try
        {
            await WithWorkerAsync(WorkerOptions().AddWorkflow<BrokenCodeWorkflow>(), async () =>
            {
                var handle = await Client.StartWorkflowAsync((BrokenCodeWorkflow wf) => wf.RunAsync(key), Options("failing-task"));
                await Eventually.UntilAsync(
                    () => Service.DescribeWorkflowExecutionAsync(new() { Namespace = Namespace, Execution = new() { WorkflowId = handle.Id } }, Rpc),
                    d => d.PendingWorkflowTask?.Attempt >= 3, "the third workflow task attempt", cancellationToken: Deadline);

                var update = await Assert.ThrowsAsync<RpcException>(() => Service.UpdateWorkflowExecutionAsync(Update(handle.Id, "u1", UpdateWorkflowExecutionLifecycleStage.Completed), Rpc));
                AssertNotReady(update, "Unable to perform workflow execution update due to Workflow Task in failed state.");
                var query = await Assert.ThrowsAsync<RpcException>(() => Service.QueryWorkflowAsync(Query(handle.Id), Rpc));
                AssertNotReady(query, "Unable to query workflow due to Workflow Task in failed state.");
                await handle.TerminateAsync("done", new() { Rpc = Rpc });
            });
        }
        finally
        {
            CodeFault.Mend(key);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_run_closed_before_any_workflow_task_cannot_be_queried_and_its_waiting_update_is_aborted()
    {
        // No worker: the update is only admitted when the run is terminated.
        var handle = await Client.StartWorkflowAsync((UpdatableWorkflow wf) => wf.RunAsync(), Options("closed-early"));
        var update = Service.UpdateWorkflowExecutionAsync(Update(handle.Id, "u1", UpdateWorkflowExecutionLifecycleStage.Accepted), Rpc);
        await Eventually.UntilAsync(() => Task.FromResult(update.IsCompleted), done => !done, "the update to wait", cancellationToken: Deadline);
        await Task.Delay(200, Deadline);
        await handle.TerminateAsync("done", new() { Rpc = Rpc });

        var aborted = await Assert.ThrowsAsync<RpcException>(() => update);
        Assert.Equal(RpcException.StatusCode.NotFound, aborted.Code);
        Assert.Equal("workflow update was aborted by closing workflow", aborted.Message);
        var query = await Assert.ThrowsAsync<RpcException>(() => Service.QueryWorkflowAsync(Query(handle.Id), Rpc));
        AssertNotReady(query, "Workflow execution closed before WorkflowTaskStarted event");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task UpdateWithStart_answers_a_completed_update_from_the_run_and_checks_each_operation()
    {
        await WithWorkerAsync(WorkerOptions().AddWorkflow<UpdatableWorkflow>(), async () =>
        {
            var id = NewWorkflowId("uws");
            var first = await Service.ExecuteMultiOperationAsync(UpdateWithStart(id, "start-1", "u1", WorkflowIdConflictPolicy.UseExisting), Rpc);
            Assert.True(first.Responses[0].StartWorkflow.Started);
            Assert.Equal(WorkflowExecutionStatus.Running, first.Responses[0].StartWorkflow.Status);

            // FAIL on the running workflow, but this update already completed there: its outcome, no error.
            var again = await Service.ExecuteMultiOperationAsync(UpdateWithStart(id, "start-2", "u1", WorkflowIdConflictPolicy.Fail), Rpc);
            Assert.False(again.Responses[0].StartWorkflow.Started);
            Assert.Equal(first.Responses[0].StartWorkflow.RunId, again.Responses[0].StartWorkflow.RunId);
            Assert.Equal(first.Responses[1].UpdateWorkflow.Outcome, again.Responses[1].UpdateWorkflow.Outcome);

            var withRunId = UpdateWithStart(id, "start-3", "u2", WorkflowIdConflictPolicy.UseExisting);
            withRunId.Operations[1].UpdateWorkflow.WorkflowExecution.RunId = first.Responses[0].StartWorkflow.RunId;
            var refused = await Assert.ThrowsAsync<RpcException>(() => Service.ExecuteMultiOperationAsync(withRunId, Rpc));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
            Assert.Equal("Update-with-Start could not be executed.", refused.Message);
            var statuses = refused.GrpcStatus.Value!.Details.Single().Unpack<MultiOperationExecutionFailure>().Statuses;
            Assert.Equal([((int)RpcException.StatusCode.Aborted, "Operation was aborted."), ((int)RpcException.StatusCode.InvalidArgument, "RunId is not allowed.")],
                statuses.Select(s => (s.Code, s.Message)));
            await Client.GetWorkflowHandle(id).TerminateAsync("done", new() { Rpc = Rpc });
        });
    }

    private static void AssertNotReady(RpcException error, string message)
    {
        Assert.Equal(RpcException.StatusCode.FailedPrecondition, error.Code);
        Assert.Equal(message, error.Message);
        Assert.True(error.GrpcStatus.Value!.Details.Single().TryUnpack<WorkflowNotReadyFailure>(out _));
    }

    private StartWorkflowExecutionRequest Start(string id, string requestId) => new()
    {
        Namespace = Namespace,
        WorkflowId = id,
        WorkflowType = new() { Name = "CollectorWorkflow" },
        TaskQueue = new() { Name = TaskQueue },
        Input = new Payloads { Payloads_ = { DataConverter.Default.PayloadConverter.ToPayload("first") } },
        RequestId = requestId,
    };

    private SignalWithStartWorkflowExecutionRequest SignalWithStart(string id, string requestId) => new()
    {
        Namespace = Namespace,
        WorkflowId = id,
        WorkflowType = new() { Name = "CollectorWorkflow" },
        TaskQueue = new() { Name = TaskQueue },
        Input = new Payloads { Payloads_ = { DataConverter.Default.PayloadConverter.ToPayload("first") } },
        SignalName = "Add",
        SignalInput = new Payloads { Payloads_ = { DataConverter.Default.PayloadConverter.ToPayload(requestId) } },
        RequestId = requestId,
    };

    private SignalWorkflowExecutionRequest Signal(string id, string requestId, string name = "Add") => new()
    {
        Namespace = Namespace,
        WorkflowExecution = new() { WorkflowId = id },
        SignalName = name,
        RequestId = requestId,
    };

    private UpdateWorkflowExecutionRequest Update(string id, string updateId, UpdateWorkflowExecutionLifecycleStage? stage) => new()
    {
        Namespace = Namespace,
        WorkflowExecution = new() { WorkflowId = id },
        WaitPolicy = stage is { } s ? new WaitPolicy { LifecycleStage = s } : null,
        Request = new()
        {
            Meta = new() { UpdateId = updateId },
            Input = new() { Name = "Add", Args = new Payloads { Payloads_ = { DataConverter.Default.PayloadConverter.ToPayload(updateId) } } },
        },
    };

    private QueryWorkflowRequest Query(string id) => new()
    {
        Namespace = Namespace,
        Execution = new() { WorkflowId = id },
        Query = new() { QueryType = "__stack_trace" },
    };

    private ExecuteMultiOperationRequest UpdateWithStart(string id, string requestId, string updateId, WorkflowIdConflictPolicy conflict)
    {
        var start = new StartWorkflowExecutionRequest
        {
            Namespace = Namespace,
            WorkflowId = id,
            WorkflowType = new() { Name = "UpdatableWorkflow" },
            TaskQueue = new() { Name = TaskQueue },
            RequestId = requestId,
            WorkflowIdConflictPolicy = conflict,
        };
        return new ExecuteMultiOperationRequest
        {
            Namespace = Namespace,
            Operations =
            {
                new ExecuteMultiOperationRequest.Types.Operation { StartWorkflow = start },
                new ExecuteMultiOperationRequest.Types.Operation { UpdateWorkflow = Update(id, updateId, UpdateWorkflowExecutionLifecycleStage.Completed) },
            },
        };
    }
}
