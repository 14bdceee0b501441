using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Temporal's frontend checks on what a worker reports about its task, on a server with a 10 KB blob limit
/// (5 KB warn): an activity's result, heartbeat or cancel details past the limit fail the activity with a
/// non-retryable server failure; a failure past it is recorded as one whose cause is the original cut to the warn
/// size; a failure must be an application failure; identities are bounded; bytes that are no token are refused.
/// </summary>
[Collection(LimitsCollection.Name)]
public sealed class WorkerReportLimitsTests(SmallLimitsEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private const int WarnLimit = 5000;
    private static readonly string Oversized = new('x', SmallLimitsEnvironmentFixture.BlobSizeError + 1);

    private WorkflowService Service => Client.Connection.WorkflowService;

    public static TheoryData<string, string> OversizeReports => new()
    {
        { "result", "Complete result exceeds size limit." },
        { "heartbeat", "Heartbeat details exceed size limit." },
        { "cancel-details", "Cancel details exceed size limit." },
    };

    [Theory(Timeout = TestTimeoutMs)]
    [MemberData(nameof(OversizeReports))]
    public async Task A_report_past_the_blob_limit_fails_the_activity_once_with_a_non_retryable_server_failure(string report, string message)
    {
        var (handle, failed) = await WithAsyncActivityAsync(report, async (activity, _) =>
        {
            switch (report)
            {
                case "result":
                    await activity.CompleteAsync(Oversized, new() { Rpc = Rpc });
                    break;
                case "heartbeat":
                    // As Temporal answers such a heartbeat: the activity is over, so the worker is told to stop.
                    await Assert.ThrowsAsync<AsyncActivityCanceledException>(() => activity.HeartbeatAsync(new() { Details = [Oversized], Rpc = Rpc }));
                    break;
                default:
                    // Checked before anything else: the activity need not have been asked to cancel.
                    await activity.ReportCancellationAsync(new() { Details = [Oversized], Rpc = Rpc });
                    break;
            }
        });

        Assert.Equal(message, failed.Failure.Message);
        Assert.True(failed.Failure.ServerFailureInfo.NonRetryable);
        Assert.Equal(string.Empty, failed.Failure.Source);
        Assert.Equal(RetryState.NonRetryableFailure, failed.RetryState);
        var events = await EventsAsync(handle);
        Assert.Single(events, e => e.EventType == EventType.ActivityTaskStarted);
        Assert.DoesNotContain(events, e => e.EventType is EventType.ActivityTaskCompleted or EventType.ActivityTaskCanceled);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_failure_past_the_blob_limit_is_recorded_as_a_server_failure_whose_cause_is_the_original_cut_down()
    {
        RespondActivityTaskFailedResponse? response = null;
        var (_, failed) = await WithAsyncActivityAsync("big-failure", async (_, token) =>
            response = await Service.RespondActivityTaskFailedAsync(new()
            {
                Namespace = Client.Options.Namespace,
                TaskToken = token,
                Failure = new Failure
                {
                    Message = Oversized,
                    StackTrace = "at Somewhere()",
                    ApplicationFailureInfo = new ApplicationFailureInfo { Type = "PickFailed" },
                },
            }, Rpc));

        Assert.Equal("Failure exceeds size limit.", failed.Failure.Message);
        Assert.True(failed.Failure.ServerFailureInfo.NonRetryable);
        var cause = failed.Failure.Cause;
        Assert.Equal("PickFailed", cause.ApplicationFailureInfo.Type);
        Assert.StartsWith("xxxx", cause.Message, StringComparison.Ordinal);
        Assert.True(cause.CalculateSize() <= WarnLimit, $"cause of {cause.CalculateSize()} bytes");
        Assert.Equal(RetryState.NonRetryableFailure, failed.RetryState);
        // The worker is told what replaced its failure.
        Assert.Equal("Failure exceeds size limit.", Assert.Single(response!.Failures).Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Last_heartbeat_details_past_the_limit_are_dropped_and_named_in_the_answer_while_the_failure_is_kept()
    {
        RespondActivityTaskFailedResponse? response = null;
        var (_, failed) = await WithAsyncActivityAsync("big-last-heartbeat", async (_, token) =>
            response = await Service.RespondActivityTaskFailedAsync(new()
            {
                Namespace = Client.Options.Namespace,
                TaskToken = token,
                Failure = new Failure { Message = "bin empty", ApplicationFailureInfo = new ApplicationFailureInfo { Type = "BinEmpty", NonRetryable = true } },
                LastHeartbeatDetails = Payloads(Oversized),
            }, Rpc));

        Assert.Equal("bin empty", failed.Failure.Message);
        Assert.Equal("Heartbeat details exceed size limit.", Assert.Single(response!.Failures).Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Last_heartbeat_details_of_a_failure_by_id_are_kept_for_the_next_attempt()
    {
        var details = await WithActivityTokenAsync("failed-by-id", async (handle, _) =>
        {
            var activityId = (await DescribeRawAsync(handle.Id)).PendingActivities.Single().ActivityId;
            await Service.RespondActivityTaskFailedByIdAsync(new()
            {
                Namespace = Client.Options.Namespace,
                WorkflowId = handle.Id,
                ActivityId = activityId,
                Failure = new Failure { Message = "try again", ApplicationFailureInfo = new ApplicationFailureInfo { Type = "Transient" } },
                LastHeartbeatDetails = Payloads("shelf 4"),
            }, Rpc);
            var pending = (await DescribeRawAsync(handle.Id)).PendingActivities.Single();
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
            return pending.HeartbeatDetails;
        });

        Assert.Equal("shelf 4", Client.Options.DataConverter.PayloadConverter.ToValue(details.Payloads_.Single(), typeof(string)));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_failure_without_application_failure_info_is_invalid_argument_and_the_activity_runs_on()
    {
        var (refused, result) = await WithActivityTokenAsync("not-application", async (handle, token) =>
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Service.RespondActivityTaskFailedAsync(new()
            {
                Namespace = Client.Options.Namespace,
                TaskToken = token,
                Failure = new Failure { Message = "pretending", CanceledFailureInfo = new CanceledFailureInfo() },
            }, Rpc));
            await Client.GetAsyncActivityHandle(token.ToByteArray()).CompleteAsync("still running", new() { Rpc = Rpc });
            return (refused, await handle.GetResultAsync(rpcOptions: Rpc));
        });

        Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
        Assert.Equal("Failure must have ApplicationFailureInfo.", refused.Message);
        Assert.Equal("still running", result);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_identity_past_the_id_limit_is_invalid_argument()
    {
        var refused = await WithActivityTokenAsync("long-identity", async (handle, token) =>
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Service.RespondActivityTaskCompletedAsync(new()
            {
                Namespace = Client.Options.Namespace,
                TaskToken = token,
                Identity = new string('é', 501), // 501 characters, 1002 bytes
            }, Rpc));
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
            return refused;
        });

        Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
        Assert.Equal("Identity length exceeds limit.", refused.Message);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_poll_with_an_identity_past_the_id_limit_is_invalid_argument_and_not_listed_as_a_poller()
    {
        var queue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = $"long-identity-{Guid.NewGuid():N}" };
        var identity = new string('é', 501); // 501 characters, 1002 bytes

        var workflowPoll = await Assert.ThrowsAsync<RpcException>(() => Service.PollWorkflowTaskQueueAsync(
            new() { Namespace = Client.Options.Namespace, TaskQueue = queue, Identity = identity }, Rpc));
        var activityPoll = await Assert.ThrowsAsync<RpcException>(() => Service.PollActivityTaskQueueAsync(
            new() { Namespace = Client.Options.Namespace, TaskQueue = queue, Identity = identity }, Rpc));
        var pollers = await Service.DescribeTaskQueueAsync(new() { Namespace = Client.Options.Namespace, TaskQueue = queue }, Rpc);

        foreach (var refused in new[] { workflowPoll, activityPoll })
        {
            Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
            Assert.Equal("Identity length exceeds limit.", refused.Message);
        }

        Assert.Empty(pollers.Pollers);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Bytes_that_are_no_task_token_are_invalid_argument()
    {
        var garbage = ByteString.CopyFromUtf8("not a token at all");

        var activity = await Assert.ThrowsAsync<RpcException>(() =>
            Service.RespondActivityTaskCompletedAsync(new() { Namespace = Client.Options.Namespace, TaskToken = garbage }, Rpc));
        var workflowTask = await Assert.ThrowsAsync<RpcException>(() =>
            Service.RespondWorkflowTaskCompletedAsync(new() { Namespace = Client.Options.Namespace, TaskToken = garbage }, Rpc));

        foreach (var refused in new[] { activity, workflowTask })
        {
            Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
            Assert.Equal("Error deserializing task token.", refused.Message);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_workflow_task_failure_past_the_blob_limit_is_recorded_cut_down()
    {
        var options = Options("big-task-failure");
        var recorded = await WithWorkerAsync(WorkerOptions().AddWorkflow<OversizeTaskFailureWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((OversizeTaskFailureWorkflow wf) => wf.RunAsync(SmallLimitsEnvironmentFixture.BlobSizeError * 2), options);
            var failed = await Eventually.UntilAsync(
                async () => (await EventsAsync(handle)).FirstOrDefault(e => e.EventType == EventType.WorkflowTaskFailed),
                e => e is not null,
                "the workflow task to fail",
                cancellationToken: Deadline);
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
            return failed!.WorkflowTaskFailedEventAttributes.Failure;
        });

        Assert.Equal("Failure exceeds size limit.", recorded.Message);
        Assert.True(recorded.ServerFailureInfo.NonRetryable);
        Assert.StartsWith("wwww", recorded.Cause.Message, StringComparison.Ordinal);
        Assert.True(recorded.Cause.CalculateSize() <= WarnLimit, $"cause of {recorded.Cause.CalculateSize()} bytes");
    }

    /// <summary>
    /// Runs an activity that hands its task token over, lets <paramref name="report"/> answer for it, and returns the
    /// run and its ActivityTaskFailed event once the workflow has failed.
    /// </summary>
    private Task<(WorkflowHandle Handle, ActivityTaskFailedEventAttributes Failed)> WithAsyncActivityAsync(string prefix, Func<AsyncActivityHandle, ByteString, Task> report) =>
        WithActivityTokenAsync(prefix, async (handle, token) =>
        {
            await report(Client.GetAsyncActivityHandle(token.ToByteArray()), token);
            var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
            Assert.IsType<ActivityFailureException>(error.InnerException);
            var failed = (await EventsAsync(handle)).Single(e => e.EventType == EventType.ActivityTaskFailed).ActivityTaskFailedEventAttributes;
            return ((WorkflowHandle)handle, failed);
        });

    /// <summary>Starts a run whose activity hands its task token over, and runs <paramref name="body"/> with the two while a worker polls.</summary>
    private Task<T> WithActivityTokenAsync<T>(string prefix, Func<WorkflowHandle<AsyncCompletionWorkflow, string>, ByteString, Task<T>> body)
    {
        var options = Options(prefix);
        return WithWorkerAsync(
            WorkerOptions().AddWorkflow<AsyncCompletionWorkflow>().AddActivity(TestActivities.CompleteAsynchronously),
            async () =>
            {
                var handle = await Client.StartWorkflowAsync((AsyncCompletionWorkflow wf) => wf.RunAsync(), options);
                return await body(handle, await TokenAsync(options.Id!));
            });
    }

    private async Task<ByteString> TokenAsync(string workflowId)
    {
        var entry = await Eventually.UntilAsync(
            () => Task.FromResult(ActivityJournal.For(workflowId).FirstOrDefault(e => e.StartsWith("token:", StringComparison.Ordinal))),
            e => e is not null,
            "the activity to hand over its task token",
            cancellationToken: Deadline);
        return ByteString.CopyFrom(Convert.FromBase64String(entry!["token:".Length..]));
    }

    private async Task<List<HistoryEvent>> EventsAsync(WorkflowHandle handle) => (await handle.FetchHistoryAsync(HistoryRpc)).Events.ToList();

    private Payloads Payloads(string value) => new() { Payloads_ = { Client.Options.DataConverter.PayloadConverter.ToPayload(value) } };
}
