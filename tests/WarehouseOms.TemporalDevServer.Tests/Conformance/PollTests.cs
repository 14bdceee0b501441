using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Long polls as Temporal's matching service answers them: a poll whose call was cancelled is taken off
/// its queue, and a task handed to it as it was cancelled is handed on, so the next poll gets the task at
/// once (attempt 1), never through the workflow task timeout.
/// </summary>
[Collection(WorkflowsCollection.Name)]
public sealed class PollTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    // Long enough that a task lost to a cancelled poll could only come back after the test's deadline.
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(2);

    private RawWorker Raw => new(Client, Rpc);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CancelledPolls_NeverSwallowATask_ItGoesToTheNextPollAsAttemptOne()
    {
        for (var round = 0; round < 5; round++)
        {
            var cancellations = Enumerable.Range(0, 3).Select(_ => new CancellationTokenSource()).ToList();
            var polls = cancellations.Select(c => PollOnceAsync(c.Token)).ToList();
            await Task.Delay(100, Deadline);
            foreach (var c in cancellations)
            {
                await c.CancelAsync();
            }

            Assert.All(await Task.WhenAll(polls), Assert.Null);

            // The client gives up at once; the server learns of it when the stream reset arrives. A task
            // handed over before that is in flight to a caller who is gone, in Temporal as here, and comes
            // back only through its timeout; once the server knows, the task must skip those polls.
            await Task.Delay(TimeSpan.FromSeconds(1), Deadline);
            var handle = await Client.StartWorkflowAsync("RawWorkflow", Array.Empty<object?>(),
                new(NewWorkflowId($"poll-cancel-{round}"), TaskQueue) { TaskTimeout = TaskTimeout, Rpc = Rpc });

            var task = await PollForAsync(handle.Id);
            Assert.Equal(handle.Id, task.WorkflowExecution.WorkflowId);
            Assert.Equal(1, task.Attempt);
            await Raw.CompleteAsync(task, RawWorker.CompleteWorkflow());
            await handle.GetResultAsync(rpcOptions: Rpc);

            var history = await handle.FetchHistoryAsync(HistoryRpc);
            Assert.DoesNotContain(history.Events, e => e.EventType is EventType.WorkflowTaskTimedOut or EventType.WorkflowTaskFailed);
            cancellations.ForEach(c => c.Dispose());
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AQuerySentAsItsOwnTask_StaysOne_WhenAWorkflowTaskComesAlongBeforeAWorkerTakesIt()
    {
        // No task outstanding: Temporal sends the query straight to a worker (a query task, no new events)
        // and it stays one, even if a workflow task is scheduled meanwhile (here a timer fires).
        var handle = await Raw.StartAsync(NewWorkflowId("query-direct"), TaskQueue);
        var first = await Raw.PollAsync(TaskQueue);
        await Raw.CompleteAsync(first, RawWorker.StartTimer("t", TimeSpan.FromSeconds(8)));
        var query = Client.WorkflowService.QueryWorkflowAsync(new QueryWorkflowRequest
        {
            Namespace = Client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id },
            Query = new() { QueryType = "state" },
        }, Rpc);
        await Eventually.UntilAsync(
            () => handle.FetchHistoryAsync(HistoryRpc),
            history => history.Events.Any(e => e.EventType == EventType.TimerFired),
            "the timer fired");

        var queryTask = await Raw.PollAsync(TaskQueue);

        Assert.Equal("state", queryTask.Query?.QueryType);
        Assert.Empty(queryTask.Queries);
        await Raw.Service.RespondQueryTaskCompletedAsync(new RespondQueryTaskCompletedRequest
        {
            Namespace = Client.Options.Namespace,
            TaskToken = queryTask.TaskToken,
            CompletedType = QueryResultType.Answered,
            QueryResult = new() { Payloads_ = { new Temporalio.Api.Common.V1.Payload { Data = Google.Protobuf.ByteString.CopyFromUtf8("\"ok\"") } } },
        }, Rpc);
        Assert.NotNull((await query).QueryResult);
        var next = await Raw.PollAsync(TaskQueue);
        Assert.Contains(next.History.Events, e => e.EventType == EventType.TimerFired);
        await Raw.CompleteAsync(next, RawWorker.CompleteWorkflow());
    }

    private async Task<PollWorkflowTaskQueueResponse?> PollOnceAsync(CancellationToken cancel)
    {
        try
        {
            return await Raw.Service.PollWorkflowTaskQueueAsync(
                new()
                {
                    Namespace = Client.Options.Namespace,
                    TaskQueue = new TaskQueue { Name = TaskQueue, Kind = TaskQueueKind.Normal },
                    Identity = RawWorker.Identity,
                },
                new RpcOptions { CancellationToken = cancel, Retry = false });
        }
        catch (Exception e) when (cancel.IsCancellationRequested && e is OperationCanceledException or Temporalio.Exceptions.RpcException)
        {
            return null;
        }
    }

    // A fresh poll, well inside the task timeout: the task is there at once unless it was lost.
    private async Task<PollWorkflowTaskQueueResponse> PollForAsync(string workflowId)
    {
        using var within = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
        within.CancelAfter(TimeSpan.FromSeconds(20));
        var task = await PollOnceAsync(within.Token);
        Assert.True(task is { TaskToken.Length: > 0 }, $"the task of {workflowId} reached no poll within 20 s: it went to a cancelled poll and was lost");
        return task!;
    }
}
