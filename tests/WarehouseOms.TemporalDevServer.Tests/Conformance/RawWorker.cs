using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// A worker written by hand on the SDK's raw WorkflowService, for the protocol details a real worker
/// never shows on purpose (a completion racing a signal, a command the server must refuse, sticky polls).
/// </summary>
internal sealed class RawWorker(ITemporalClient client, RpcOptions rpc)
{
    public const string Identity = "raw-worker";

    public WorkflowService Service => client.Connection.WorkflowService;

    /// <summary>Long-polls until a workflow task arrives on the queue.</summary>
    public Task<PollWorkflowTaskQueueResponse> PollAsync(string queue, string? normalName = null) =>
        Eventually.UntilAsync(
            () => Service.PollWorkflowTaskQueueAsync(new()
            {
                Namespace = client.Options.Namespace,
                TaskQueue = normalName is null
                    ? new TaskQueue { Name = queue, Kind = TaskQueueKind.Normal }
                    : new TaskQueue { Name = queue, Kind = TaskQueueKind.Sticky, NormalName = normalName },
                Identity = Identity,
            }, rpc),
            task => task.TaskToken.Length > 0,
            $"a workflow task on {queue}");

    public Task<RespondWorkflowTaskCompletedResponse> CompleteAsync(PollWorkflowTaskQueueResponse task, params Command[] commands) =>
        CompleteAsync(task, null, commands);

    public Task<RespondWorkflowTaskCompletedResponse> CompleteAsync(PollWorkflowTaskQueueResponse task, StickyExecutionAttributes? sticky, params Command[] commands)
    {
        var request = new RespondWorkflowTaskCompletedRequest
        {
            Namespace = client.Options.Namespace,
            TaskToken = task.TaskToken,
            Identity = Identity,
            StickyAttributes = sticky,
        };
        request.Commands.AddRange(commands);
        return Service.RespondWorkflowTaskCompletedAsync(request, rpc);
    }

    /// <summary>A completion as the SDK's core sends it: sticky, asking for its next task back (return_new_workflow_task).</summary>
    public Task<RespondWorkflowTaskCompletedResponse> CompleteReturningNextAsync(PollWorkflowTaskQueueResponse task, StickyExecutionAttributes? sticky, bool forceNewTask, params Command[] commands)
    {
        var request = new RespondWorkflowTaskCompletedRequest
        {
            Namespace = client.Options.Namespace,
            TaskToken = task.TaskToken,
            Identity = Identity,
            StickyAttributes = sticky,
            ReturnNewWorkflowTask = true,
            ForceCreateNewWorkflowTask = forceNewTask,
        };
        request.Commands.AddRange(commands);
        return Service.RespondWorkflowTaskCompletedAsync(request, rpc);
    }

    public static Command ScheduleActivity(string id, string taskQueue, bool eager) => new()
    {
        CommandType = CommandType.ScheduleActivityTask,
        ScheduleActivityTaskCommandAttributes = new ScheduleActivityTaskCommandAttributes
        {
            ActivityId = id,
            ActivityType = new ActivityType { Name = "RawActivity" },
            TaskQueue = new TaskQueue { Name = taskQueue, Kind = TaskQueueKind.Normal },
            StartToCloseTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
            RequestEagerExecution = eager,
        },
    };

    /// <summary>Long-polls until an activity task arrives on the queue.</summary>
    public Task<PollActivityTaskQueueResponse> PollActivityAsync(string queue) =>
        Eventually.UntilAsync(
            () => Service.PollActivityTaskQueueAsync(new()
            {
                Namespace = client.Options.Namespace,
                TaskQueue = new TaskQueue { Name = queue, Kind = TaskQueueKind.Normal },
                Identity = Identity,
            }, rpc),
            task => task.TaskToken.Length > 0,
            $"an activity task on {queue}");

    public Task CompleteActivityAsync(Google.Protobuf.ByteString taskToken) =>
        Service.RespondActivityTaskCompletedAsync(new()
        {
            Namespace = client.Options.Namespace,
            TaskToken = taskToken,
            Identity = Identity,
        }, rpc);

    public static Command CompleteWorkflow() => new()
    {
        CommandType = CommandType.CompleteWorkflowExecution,
        CompleteWorkflowExecutionCommandAttributes = new CompleteWorkflowExecutionCommandAttributes(),
    };

    public static Command StartTimer(string id, TimeSpan fireAfter) => new()
    {
        CommandType = CommandType.StartTimer,
        StartTimerCommandAttributes = new StartTimerCommandAttributes
        {
            TimerId = id,
            StartToFireTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(fireAfter),
        },
    };

    public static Command CancelTimer(string id) => new()
    {
        CommandType = CommandType.CancelTimer,
        CancelTimerCommandAttributes = new CancelTimerCommandAttributes { TimerId = id },
    };

    /// <summary>Starts a run of a workflow type no real worker knows; only this worker serves its queue.</summary>
    public Task<WorkflowHandle> StartAsync(string workflowId, string taskQueue) =>
        client.StartWorkflowAsync("RawWorkflow", Array.Empty<object?>(), new(workflowId, taskQueue) { Rpc = rpc });

    public static Payloads NoPayloads() => new();

    /// <summary>
    /// Sends ShutdownWorker until <paramref name="poll"/> (started just before) has ended: the poll may not be
    /// waiting at the server yet when the first one arrives. A poll the shutdown does not end waits out its 60 s.
    /// </summary>
    public Task ShutDownUntilEndedAsync(ShutdownWorkerRequest request, Task poll, CancellationToken deadline) =>
        Eventually.UntilAsync(
            async () =>
            {
                await Service.ShutdownWorkerAsync(request, rpc);
                return await Task.WhenAny(poll, Task.Delay(TimeSpan.FromSeconds(1), deadline)) == poll;
            },
            ended => ended,
            "the poll ended by the shutdown",
            TimeSpan.FromSeconds(30),
            deadline);
}
