using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Smoke;

/// <summary>The library form (<see cref="TemporalDevServer.StartAsync"/>) as test fixtures and the Host use it.</summary>
public sealed class EmbeddedServerSmokeTests
{
    [Fact(Timeout = 60_000)]
    public async Task StartAsync_PortZero_RunsAWorkflowWithAnActivityOnTheReportedTarget()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        await using var server = await TemporalDevServer.StartAsync(new TemporalDevServerOptions { Port = 0 }, deadline.Token);
        Assert.StartsWith("127.0.0.1:", server.Target, StringComparison.Ordinal);
        Assert.NotEqual("127.0.0.1:0", server.Target);

        var client = await TemporalClient.ConnectAsync(new(server.Target) { Namespace = server.Namespace });
        var taskQueue = $"smoke-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(
            client,
            new TemporalWorkerOptions(taskQueue).AddWorkflow<GreetingWorkflow>().AddActivity(GreetingWorkflow.Greet));

        var result = await worker.ExecuteAsync(
            async () =>
            {
                var handle = await client.StartWorkflowAsync(
                    (GreetingWorkflow wf) => wf.RunAsync("warehouse"),
                    new WorkflowOptions($"smoke-{Guid.NewGuid():N}", taskQueue));
                return await handle.GetResultAsync(rpcOptions: new() { CancellationToken = deadline.Token });
            },
            deadline.Token);

        Assert.Equal("hello warehouse", result);
    }

    [Fact(Timeout = 60_000)]
    public async Task DisposeAsync_RunningServer_ReleasesThePort()
    {
        var server = await TemporalDevServer.StartAsync(new TemporalDevServerOptions { Port = 0 });
        var port = int.Parse(server.Target.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        await server.DisposeAsync();

        // The same port can be bound again at once: nothing of the first server keeps listening.
        await using var again = await TemporalDevServer.StartAsync(new TemporalDevServerOptions { Port = port });
        Assert.Equal($"127.0.0.1:{port}", again.Target);
    }

    [Fact(Timeout = 60_000)]
    public async Task DisposeAsync_WithLongPollsWaiting_AnswersThemNoTaskBeforeStopping()
    {
        var server = await TemporalDevServer.StartAsync(new TemporalDevServerOptions { Port = 0 });
        var client = await TemporalClient.ConnectAsync(new(server.Target) { Namespace = server.Namespace });
        var taskQueue = $"drain-{Guid.NewGuid():N}";
        var workflowPoll = client.Connection.WorkflowService.PollWorkflowTaskQueueAsync(new()
        {
            Namespace = server.Namespace,
            TaskQueue = new() { Name = taskQueue, Kind = Temporalio.Api.Enums.V1.TaskQueueKind.Normal },
            Identity = "drain-test",
        });
        var activityPoll = client.Connection.WorkflowService.PollActivityTaskQueueAsync(new()
        {
            Namespace = server.Namespace,
            TaskQueue = new() { Name = taskQueue, Kind = Temporalio.Api.Enums.V1.TaskQueueKind.Normal },
            Identity = "drain-test",
        });
        await Task.Delay(300);
        Assert.False(workflowPoll.IsCompleted || activityPoll.IsCompleted, "the polls should wait: there is no task");

        await server.DisposeAsync();

        // Both polls got the ordinary "no task" answer (not an error from a server torn down under them).
        Assert.Empty((await workflowPoll).TaskToken);
        Assert.Empty((await activityPoll).TaskToken);
    }

    [Workflow]
    public sealed class GreetingWorkflow
    {
        [Activity]
        public static string Greet(string name) => $"hello {name}";

        [WorkflowRun]
        public Task<string> RunAsync(string name) =>
            Workflow.ExecuteActivityAsync(() => Greet(name), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
    }
}
