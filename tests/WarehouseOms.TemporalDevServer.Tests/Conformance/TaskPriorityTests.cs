using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Waiting tasks go to pollers by priority, as Temporal's priority matcher (on by default) hands them out: the lower
/// key first, an unset key as the default 3, first in first out within a level; an activity's priority is its own
/// merged over its run's, and that is what its worker is told.
/// </summary>
[Collection(ActivitiesCollection.Name)]
public sealed class TaskPriorityTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    [Fact(Timeout = TestTimeoutMs)]
    public async Task BackloggedWorkflowTasks_GoOutByPriorityKey_FirstInFirstOutWithinALevel()
    {
        // Started with no worker: every first workflow task waits in the queue.
        var started = new List<(string Name, WorkflowHandle Handle)>();
        foreach (var (name, key) in new (string, int?)[] { ("five", 5), ("default-1", null), ("one-1", 1), ("default-2", null), ("one-2", 1), ("three", 3) })
        {
            var options = Options($"priority-{name}");
            options.Priority = key is { } k ? new Priority(priorityKey: k) : null;
            started.Add((name, await Client.StartWorkflowAsync((EchoWorkflow w) => w.RunAsync(name), options)));
        }

        // One workflow task at a time, and no sticky queue whose poll would hold that one slot: each poll takes the
        // best waiting task.
        var worker = WorkerOptions().AddWorkflow<EchoWorkflow>();
        worker.MaxConcurrentWorkflowTasks = 1;
        worker.MaxCachedWorkflows = 0;
        await WithWorkerAsync(worker, async () =>
        {
            foreach (var (_, handle) in started)
            {
                await handle.GetResultAsync(rpcOptions: Rpc);
            }
        });

        var order = new List<(string Name, DateTime Started)>();
        foreach (var (name, handle) in started)
        {
            var taskStarted = (await handle.FetchHistoryAsync(HistoryRpc)).Events.First(e => e.EventType == EventType.WorkflowTaskStarted);
            order.Add((name, taskStarted.EventTime.ToDateTime()));
        }

        Assert.Equal(["one-1", "one-2", "default-1", "default-2", "three", "five"], order.OrderBy(o => o.Started).Select(o => o.Name));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task AChild_InheritsItsParentsPriority_UnderWhatItsCommandSets()
    {
        var options = Options("priority-parent");
        options.Priority = new Priority(priorityKey: 2, fairnessKey: "tenant-a");
        var childId = NewWorkflowId("priority-child");

        await WithWorkerAsync(WorkerOptions().AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>(), async () =>
            await (await Client.StartWorkflowAsync((ParentWorkflow w) => w.RunAsync(new ChildRequest(childId, Blocked: false)), options)).GetResultAsync(rpcOptions: Rpc));

        var child = (await Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = childId } }, Rpc)).WorkflowExecutionInfo.Priority;
        Assert.Equal((2, "tenant-a"), (child.PriorityKey, child.FairnessKey));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task BackloggedActivities_GoOutByTheirPriorityMergedOverTheRuns_AndTheWorkerIsToldIt()
    {
        var activityQueue = $"{TaskQueue}-activities";
        var options = Options("priority-activities");
        options.Priority = new Priority(priorityKey: 2);
        await WithWorkerAsync(WorkerOptions().AddWorkflow<PrioritizedActivitiesWorkflow>(), async () =>
        {
            var handle = await Client.StartWorkflowAsync((PrioritizedActivitiesWorkflow w) => w.RunAsync(activityQueue), options);
            await WarehouseOms.Testing.Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync(HistoryRpc)).Events.Count(e => e.EventType == EventType.ActivityTaskScheduled),
                scheduled => scheduled == 3, "the three activities scheduled", cancellationToken: Deadline);

            while (PriorityActivities.Ran.TryDequeue(out _))
            {
            }

            var activityWorker = new TemporalWorkerOptions(activityQueue) { MaxConcurrentActivities = 1 }.AddActivity(PriorityActivities.Report);
            using var worker = new TemporalWorker(Client, activityWorker);
            await worker.ExecuteAsync(() => handle.GetResultAsync(rpcOptions: Rpc), Deadline);
        });

        Assert.Equal(["high:1", "inherited:2", "low:4"], PriorityActivities.Ran);
    }
}
