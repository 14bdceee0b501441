using Npgsql;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using WarehouseOms.TemporalDevServer.Tests.Workflows;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// The engine's database sessions die under it (a PostgreSQL restart, a failover, an operator's
/// pg_terminate_backend): it reconnects, takes its store lock again as the same owner, and goes on.
/// </summary>
[Collection(DurabilityCollection.Name)]
public sealed class StoreReconnectTests(ITestOutputHelper output)
{
    [Fact(Timeout = 120_000)]
    public async Task An_engine_whose_database_sessions_are_killed_reconnects_keeps_its_store_and_goes_on()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await using var durable = await DurableEngine.StartAsync(deadline.Token);
        var (store, engine, client) = (durable.Store, durable.Process, durable.Client);
        var queue = $"tq-reconnect-{Guid.NewGuid():N}";
        var options = new TemporalWorkerOptions(queue).AddWorkflow<GreetingWorkflow>().AddActivity(TestActivities.Greet);
        string beforeId = $"reconnect-before-{Guid.NewGuid():N}", afterId = $"reconnect-after-{Guid.NewGuid():N}";
        await using (WorkerRun.Start(client, options, deadline.Token))
        {
            Assert.Equal("Hello, before!", await client.ExecuteWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("before"), new(beforeId, queue)));

            // Every session of the engine, the one holding its store lock included.
            Assert.True(await TerminateSessionsAsync(store.ConnectionString, deadline.Token) > 0, "the engine had sessions to end");

            var after = await Retry.WhileUnavailableAsync(
                () => client.ExecuteWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("after"), new(afterId, queue)), deadline.Token);
            Assert.Equal("Hello, after!", after);
            output.WriteLine(engine.Output);
        }

        // Still the store's owner, and what it wrote after reconnecting is there after a crash.
        await engine.KillAsync();
        await engine.StartAsync(deadline.Token);
        foreach (var id in new[] { beforeId, afterId })
        {
            var described = await Retry.WhileUnavailableAsync(() => client.GetWorkflowHandle(id).DescribeAsync(), deadline.Token);
            Assert.Equal(WorkflowExecutionStatus.Completed, (WorkflowExecutionStatus)described.Status);
        }
    }

    private static async Task<int> TerminateSessionsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            // The engine's sessions only: an autovacuum worker on the scratch database is a superuser process, and ending it
            // is refused ("must be a superuser to terminate superuser process"), which once failed this test.
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity " +
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND usename = current_user",
            connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
