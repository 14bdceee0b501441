using System.Collections.Concurrent;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// The engine on PostgreSQL as a real child process, killed with SIGKILL and started again on the same
/// database: whatever it answered OK for survives, and every workflow ends as an uninterrupted run would.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan WorkflowTaskTimeout = TimeSpan.FromSeconds(3);

    [Fact(Timeout = 120_000)]
    public async Task TimerDueWhileEngineIsDown_FiresAtOnceAfterRestart()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));

        // A timer queue shift of 10 s: a stored task keeps its time after the restart, as Temporal's persisted task
        // keeps its key; were it placed again as a new task, it would wait for the shift after the engine started.
        await using var durable = await DurableEngine.StartAsync(deadline.Token, "--dynamic-config-value", "history.timerProcessorMaxTimeShift=10s");
        var (store, engine, client) = (durable.Store, durable.Process, durable.Client);
        var queue = $"tq-sleeper-{Guid.NewGuid():N}";
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddWorkflow<SleeperWorkflow>(), deadline.Token);

        var sleep = TimeSpan.FromSeconds(3);
        var handle = await client.StartWorkflowAsync((SleeperWorkflow w) => w.RunAsync(sleep), new($"sleeper-{Guid.NewGuid():N}", queue) { TaskTimeout = WorkflowTaskTimeout });
        await Eventually.UntilAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.TimerStarted), started => started, "the timer started", cancellationToken: deadline.Token);
        var killedAt = DateTime.UtcNow;
        await engine.KillAsync();
        await Task.Delay(sleep + TimeSpan.FromSeconds(2), deadline.Token);
        await engine.StartAsync(deadline.Token);
        var restartedAt = DateTime.UtcNow;

        await Retry.WhileUnavailableAsync(() => handle.GetResultAsync<DateTime>(), deadline.Token);
        var events = await handle.FetchHistoryAsync();
        var started = Assert.Single(events.Events, e => e.EventType == EventType.TimerStarted).EventTime.ToDateTime();
        var fired = Assert.Single(events.Events, e => e.EventType == EventType.TimerFired).EventTime.ToDateTime();
        output.WriteLine($"timer started {started:O}, killed {killedAt:O}, restarted {restartedAt:O}, fired {fired:O}");
        Assert.True(fired >= restartedAt.AddSeconds(-2), "the timer cannot fire while the engine is down");
        Assert.True(fired - restartedAt < TimeSpan.FromSeconds(2), $"an overdue timer fires at once after a restart, not {fired - restartedAt} later");
        Assert.Single(events.Events, e => e.EventType == EventType.WorkflowExecutionStarted);
    }

    [Fact(Timeout = 120_000)]
    public async Task ClosedAndOpenWorkflows_AreReadableAfterKill()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (store, engine, client) = (durable.Store, durable.Process, durable.Client);
        var queue = $"tq-readable-{Guid.NewGuid():N}";
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddWorkflow<Workflows.CollectorWorkflow>(), deadline.Token);

        var closed = await client.StartWorkflowAsync((Workflows.CollectorWorkflow w) => w.RunAsync("closed"), new($"closed-{Guid.NewGuid():N}", queue));
        await closed.SignalAsync(w => w.AddAsync("a"));
        await closed.SignalAsync(w => w.FinishAsync());
        await closed.GetResultAsync();
        var closedEvents = (await closed.FetchHistoryAsync()).Events.Count;
        // Answered OK, then killed at once: the start must still be there.
        var open = await client.StartWorkflowAsync((Workflows.CollectorWorkflow w) => w.RunAsync("open"), new($"open-{Guid.NewGuid():N}", queue));
        await open.SignalAsync(w => w.AddAsync("b"));
        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var described = await Retry.WhileUnavailableAsync(() => closed.DescribeAsync(), deadline.Token);
        Assert.Equal(WorkflowExecutionStatus.Completed, described.Status);
        Assert.Equal(closedEvents, (await closed.FetchHistoryAsync()).Events.Count);
        Assert.Equal(["a"], await Retry.WhileUnavailableAsync(() => closed.QueryAsync(w => w.Items), deadline.Token));
        var listed = new List<WorkflowExecution>();
        await foreach (var run in client.ListWorkflowsAsync($"WorkflowId = '{closed.Id}'"))
        {
            listed.Add(run);
        }

        Assert.Single(listed);
        await Retry.WhileUnavailableAsync(() => open.SignalAsync(w => w.FinishAsync()), deadline.Token);
        Assert.Equal(["open", "b"], await Retry.WhileUnavailableAsync(() => open.GetResultAsync(), deadline.Token));
    }

    [Fact(Timeout = 120_000)]
    public async Task SearchAttributeRegistrations_AndRequestIds_SurviveAKill()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (engine, client) = (durable.Process, durable.Client);
        var attribute = $"WoDurable{Guid.NewGuid():N}"[..20];
        await client.OperatorService.AddSearchAttributesAsync(new()
        {
            Namespace = client.Options.Namespace,
            SearchAttributes = { [attribute] = IndexedValueType.Int, },
        });
        await client.OperatorService.RemoveSearchAttributesAsync(new() { Namespace = client.Options.Namespace, SearchAttributes = { "CustomBoolField" } });
        var start = new Temporalio.Api.WorkflowService.V1.StartWorkflowExecutionRequest
        {
            Namespace = client.Options.Namespace,
            WorkflowId = $"request-id-{Guid.NewGuid():N}",
            WorkflowType = new() { Name = "Collector" },
            TaskQueue = new() { Name = $"tq-nobody-{Guid.NewGuid():N}" },
            RequestId = Guid.NewGuid().ToString(),
        };
        var first = await client.Connection.WorkflowService.StartWorkflowExecutionAsync(start);
        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);

        var listed = await Retry.WhileUnavailableAsync(
            () => client.OperatorService.ListSearchAttributesAsync(new() { Namespace = client.Options.Namespace }), deadline.Token);
        Assert.Equal(IndexedValueType.Int, listed.CustomAttributes[attribute]);
        Assert.DoesNotContain("CustomBoolField", listed.CustomAttributes.Keys);
        // The same request ID after the restart is the same start, not a conflict.
        var again = await client.Connection.WorkflowService.StartWorkflowExecutionAsync(start);
        Assert.Equal(first.RunId, again.RunId);
    }

    [Fact(Timeout = 60_000)]
    public async Task SecondEngine_OnTheSameStore_RefusesToStart_NamingTheFirst()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        await using var store = await DurableStore.CreateAsync();
        await using var first = new EngineProcess(store.ConnectionString);
        await first.StartAsync(deadline.Token);
        await using var second = new EngineProcess(store.ConnectionString);

        var exit = await second.TryStartAsync(deadline.Token);

        Assert.Equal(3, exit);
        Assert.Contains("already served by another engine", second.Output, StringComparison.Ordinal);
        Assert.Contains(first.Target, second.Output, StringComparison.Ordinal);

        // Once the first is gone (even killed), the store is free again.
        await first.KillAsync();
        Assert.Null(await second.TryStartAsync(deadline.Token));
    }

    [Fact(Timeout = 120_000)]
    public async Task DatabaseOutage_CallsWaitForTheirCommit_AndNothingIsLost()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var store = await DurableStore.CreateAsync();
        var direct = new Npgsql.NpgsqlConnectionStringBuilder(store.ConnectionString);
        await using var proxy = new WarehouseOms.Testing.TcpProxy(direct.Host!, direct.Port);
        proxy.Start();
        var viaProxy = new Npgsql.NpgsqlConnectionStringBuilder(store.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 3 };
        await using var engine = new EngineProcess(viaProxy.ConnectionString);
        await engine.StartAsync(deadline.Token);
        var client = await TemporalClient.ConnectAsync(new(engine.Target));
        var queue = $"tq-outage-{Guid.NewGuid():N}";
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddWorkflow<Workflows.CollectorWorkflow>(), deadline.Token);
        var handle = await client.StartWorkflowAsync((Workflows.CollectorWorkflow w) => w.RunAsync("outage"), new($"outage-{Guid.NewGuid():N}", queue));

        await proxy.StopAsync();
        var during = handle.SignalAsync(w => w.AddAsync("during"));
        await Task.Delay(TimeSpan.FromSeconds(3), deadline.Token);
        Assert.False(during.IsCompleted, "a signal cannot be acknowledged while its commit cannot be written");
        proxy.Start();
        await during;

        // Acknowledged means committed: it survives a kill right after.
        await engine.KillAsync();
        await using var again = new EngineProcess(store.ConnectionString);
        await again.StartAsync(deadline.Token);
        var afterRestart = await TemporalClient.ConnectAsync(new(again.Target));
        var restartedHandle = afterRestart.GetWorkflowHandle<Workflows.CollectorWorkflow>(handle.Id);
        var history = await Retry.WhileUnavailableAsync(() => restartedHandle.FetchHistoryAsync(), deadline.Token);
        Assert.Single(history.Events, e => e.EventType == EventType.WorkflowExecutionSignaled);
    }

    [Fact(Timeout = 120_000)]
    public async Task ClosedRun_PastRetention_IsDeleted()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token, "--retention", "00:00:02");
        var (store, engine, client) = (durable.Store, durable.Process, durable.Client);
        var queue = $"tq-retention-{Guid.NewGuid():N}";
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue).AddWorkflow<SleeperWorkflow>(), deadline.Token);
        var closed = await client.StartWorkflowAsync((SleeperWorkflow w) => w.RunAsync(TimeSpan.Zero), new($"retained-{Guid.NewGuid():N}", queue));
        await closed.GetResultAsync();
        var open = await client.StartWorkflowAsync((SleeperWorkflow w) => w.RunAsync(TimeSpan.FromMinutes(5)), new($"open-{Guid.NewGuid():N}", queue));

        await Eventually.UntilAsync(async () => await CountAsync(client, $"WorkflowId = '{closed.Id}'") == 0, done => done, "retention to delete the closed run", cancellationToken: deadline.Token);
        await Eventually.UntilAsync(async () => await RowsAsync(store, closed.ResultRunId!) == 0, done => done, "retention to delete the closed run", cancellationToken: deadline.Token);
        await Assert.ThrowsAsync<RpcException>(() => closed.DescribeAsync());
        Assert.Equal(WorkflowExecutionStatus.Running, (await open.DescribeAsync()).Status);
    }

    private static async Task<long> RowsAsync(DurableStore store, string runId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT (SELECT count(*) FROM temporal.executions WHERE run_id = @r) + (SELECT count(*) FROM temporal.history_events WHERE run_id = @r)", connection);
        command.Parameters.AddWithValue("r", runId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// 200 workflows (activities with retries and heartbeats, timers, signals, children, continue-as-new,
    /// signal-with-start) while the engine is killed three times, a timer falling due while it is down.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task TwoHundredWorkflows_SurviveRepeatedKills_WithTheirUninterruptedResults()
    {
        const int Workflows = 200;
        const int SignalsEach = 4;
        // Usually done in 30-70 s. The deadline leaves xUnit's 300 s room for the report and the teardown (a
        // worker's shutdown, the engine's kill, the database's drop): a hang must end with its report printed.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(200));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (store, engine, client) = (durable.Store, durable.Process, durable.Client);
        var queue = $"tq-chaos-{Guid.NewGuid():N}";
        await using var worker = WorkerRun.Start(client, new TemporalWorkerOptions(queue)
            .AddWorkflow<ChaosWorkflow>()
            .AddWorkflow<ChaosChildWorkflow>()
            .AddAllActivities(new ChaosActivities()), deadline.Token);

        var random = new Random(20261130);
        var kills = Task.Run(async () =>
        {
            for (var k = 0; k < 3; k++)
            {
                await Task.Delay(random.Next(1500, 4000), deadline.Token);
                await engine.KillAsync();
                output.WriteLine($"{DateTime.UtcNow:O} killed");
                await Task.Delay(2500, deadline.Token);
                await engine.StartAsync(deadline.Token);
                output.WriteLine($"{DateTime.UtcNow:O} restarted");
            }
        });

        var ids = Enumerable.Range(0, Workflows).Select(i => $"chaos-{i}-{Guid.NewGuid():N}").ToArray();
        var sent = new ConcurrentDictionary<string, List<string>>();
        var stages = new ConcurrentDictionary<string, string>(); // where each flow is, for the report
        using var gate = new SemaphoreSlim(16);
        var flows = Enumerable.Range(0, Workflows).Select(async i =>
        {
            var signals = Enumerable.Range(0, SignalsEach).Select(s => $"{i}-s{s}").ToList();
            sent[ids[i]] = signals;
            // Every call carries the deadline: a call the engine never answers must end in the report below, not in xUnit's timeout.
            var options = new WorkflowOptions(ids[i], queue) { TaskTimeout = WorkflowTaskTimeout, Rpc = new() { CancellationToken = deadline.Token } };
            var input = new ChaosInput(i, SignalsEach);
            await gate.WaitAsync(deadline.Token);
            try
            {
                if (i % 2 == 0)
                {
                    options.SignalWithStart((ChaosWorkflow w) => w.AddAsync(signals[0]));
                }

                stages[ids[i]] = "starting";
                await Retry.WhileUnavailableAsync(async () =>
                {
                    try
                    {
                        await client.StartWorkflowAsync((ChaosWorkflow w) => w.RunAsync(input), options);
                    }
                    catch (WorkflowAlreadyStartedException)
                    {
                        // An earlier try was committed but its answer was lost with the engine.
                    }
                }, deadline.Token);
            }
            finally
            {
                gate.Release();
            }

            var handle = client.GetWorkflowHandle<ChaosWorkflow>(ids[i]);
            var delays = new Random(i); // one per flow: Random is not thread-safe
            foreach (var signal in signals.Skip(i % 2 == 0 ? 1 : 0))
            {
                await Task.Delay(delays.Next(0, 3000), deadline.Token);
                stages[ids[i]] = $"signalling {signal}";
                await Retry.WhileUnavailableAsync(() => handle.SignalAsync(w => w.AddAsync(signal), new() { Rpc = new() { CancellationToken = deadline.Token } }), deadline.Token);
            }

            stages[ids[i]] = "awaiting the result";
            return await Retry.WhileUnavailableAsync(() => handle.GetResultAsync<ChaosResult>(rpcOptions: new() { CancellationToken = deadline.Token }), deadline.Token);
        }).ToList();

        ChaosResult[] results;
        try
        {
            results = await Task.WhenAll(flows);
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            await ReportUnfinishedAsync(client, ids, flows, stages);
            throw;
        }

        await kills;

        for (var i = 0; i < Workflows; i++)
        {
            Assert.Equal(ChaosWorkflow.Expected(i), results[i].Value);
            Assert.Equal(sent[ids[i]].Order(StringComparer.Ordinal), results[i].Signals);
        }

        // Exactly one completed run per workflow (and per child), one continued-as-new run each.
        Assert.Equal(Workflows, await CountAsync(client, $"WorkflowType = 'ChaosWorkflow' AND ExecutionStatus = 'Completed' AND TaskQueue = '{queue}'"));
        Assert.Equal(Workflows, await CountAsync(client, $"WorkflowType = 'ChaosWorkflow' AND ExecutionStatus = 'ContinuedAsNew' AND TaskQueue = '{queue}'"));
        Assert.Equal(Workflows, await CountAsync(client, $"WorkflowType = 'ChaosChildWorkflow' AND ExecutionStatus = 'Completed' AND TaskQueue = '{queue}'"));
    }

    /// <summary>What each workflow that did not finish in time was waiting for, so a hang names its cause.</summary>
    private async Task ReportUnfinishedAsync(ITemporalClient client, string[] ids, List<Task<ChaosResult>> flows, ConcurrentDictionary<string, string> stages)
    {
        using var report = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var unfinished = ids.Where((_, i) => !flows[i].IsCompletedSuccessfully).ToList();
        output.WriteLine($"{unfinished.Count} of {ids.Length} workflows unfinished at the deadline");
        foreach (var id in unfinished.Take(10))
        {
            output.WriteLine($"{id}: the test was {stages.GetValueOrDefault(id, "waiting to start")}");
            try
            {
                var handle = client.GetWorkflowHandle(id);
                var raw = await client.WorkflowService.DescribeWorkflowExecutionAsync(
                    new() { Namespace = client.Options.Namespace, Execution = new() { WorkflowId = id } },
                    new() { CancellationToken = report.Token });
                var history = await handle.FetchHistoryAsync(new() { Rpc = new() { CancellationToken = report.Token } });
                output.WriteLine(
                    $"{id} run {raw.WorkflowExecutionInfo.Execution.RunId}: {raw.WorkflowExecutionInfo.Status}; pending activities [{string.Join(", ", raw.PendingActivities.Select(a => $"{a.ActivityType.Name} {a.State} attempt {a.Attempt}"))}]; "
                    + $"pending children [{string.Join(", ", raw.PendingChildren.Select(c => c.WorkflowId))}]; pending workflow task {raw.PendingWorkflowTask?.State.ToString() ?? "none"}; "
                    + $"history: {string.Join(' ', history.Events.TakeLast(12).Select(e => $"{e.EventId}:{e.EventType}"))}");
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException)
            {
                output.WriteLine($"{id}: not described ({ex.Message})");
            }
        }
    }

    private static async Task<long> CountAsync(ITemporalClient client, string query) =>
        (await client.CountWorkflowsAsync(query)).Count;
}

[CollectionDefinition(Name)]
public sealed class DurabilityCollection
{
    public const string Name = "Dev server: durable store";
}
