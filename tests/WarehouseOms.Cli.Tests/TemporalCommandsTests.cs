using Temporalio.Client;
using WarehouseOms.Cli.Temporal;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Workflows;

namespace WarehouseOms.Cli.Tests;

public sealed class TemporalCommandsTests(TemporalFixture temporal) : IClassFixture<TemporalFixture>
{
    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CliApplication.RunAsync([.. args, "--temporal-address", temporal.Target], _ => null, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private async Task<string> StartAsync(string workflowType, string workflowId, params object?[] args)
    {
        await temporal.Client.StartWorkflowAsync(workflowType, args, new WorkflowOptions(workflowId, TemporalFixture.TaskQueue));
        return workflowId;
    }

    private async Task<WorkflowInspector> InspectorAsync() =>
        await WorkflowInspector.ConnectAsync(CommandParser.Parse(["show", "x", "--temporal-address", temporal.Target], _ => null).Settings.Temporal);

    [Fact]
    public async Task Query_runs_the_default_query_of_the_workflow_kind_and_prints_json()
    {
        var id = await StartAsync("CliTests.Cart", WorkflowIds.Cart($"C-{Guid.NewGuid():N}"));

        var (exitCode, output, error) = await RunAsync("query", id);

        Assert.True(exitCode == ExitCodes.Ok, error);
        Assert.Contains("\"CustomerId\": \"C-1\"", output, StringComparison.Ordinal);
        Assert.Contains("\"Items\": 2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_json_query_and_show_print_one_json_object()
    {
        var id = await StartAsync("CliTests.Cart", WorkflowIds.Cart($"C-{Guid.NewGuid():N}"));
        await Poll.UntilAsync(async () => (await temporal.Client.GetWorkflowHandle(id).FetchHistoryAsync()).Events.Count >= 4);

        var (queryExit, queryOutput, queryError) = await RunAsync("query", id, "--json");
        var (showExit, showOutput, showError) = await RunAsync("show", id, "--json");

        Assert.True(queryExit == ExitCodes.Ok, queryError);
        Assert.True(showExit == ExitCodes.Ok, showError);
        using var query = System.Text.Json.JsonDocument.Parse(Assert.Single(queryOutput.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(id, query.RootElement.GetProperty("workflow_id").GetString());
        Assert.Equal("Get", query.RootElement.GetProperty("query").GetString());
        Assert.Equal("C-1", query.RootElement.GetProperty("result").GetProperty("CustomerId").GetString());
        using var show = System.Text.Json.JsonDocument.Parse(Assert.Single(showOutput.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("CliTests.Cart", show.RootElement.GetProperty("workflow_type").GetString());
        Assert.Equal("Running", show.RootElement.GetProperty("status").GetString());
        var first = show.RootElement.GetProperty("events")[0];
        Assert.Equal(1, first.GetProperty("id").GetInt64());
        Assert.Equal("WorkflowExecutionStarted", first.GetProperty("type").GetString());
        Assert.Equal("CliTests.Cart on cli-tests", first.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Query_and_show_of_an_unknown_workflow_exit_5()
    {
        var (queryExit, _, queryError) = await RunAsync("query", "order-fulfillment-no-such-order");
        var (showExit, _, showError) = await RunAsync("show", "order-fulfillment-no-such-order");

        Assert.Equal(ExitCodes.WorkflowNotFound, queryExit);
        Assert.Equal(ExitCodes.WorkflowNotFound, showExit);
        Assert.Contains("Workflow 'order-fulfillment-no-such-order' not found", queryError, StringComparison.Ordinal);
        Assert.Contains("not found", showError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_prints_one_line_per_history_event_with_its_type()
    {
        var id = await StartAsync("CliTests.Cart", WorkflowIds.Cart($"C-{Guid.NewGuid():N}"));
        await Poll.UntilAsync(async () => (await temporal.Client.GetWorkflowHandle(id).FetchHistoryAsync()).Events.Count >= 4);

        var (exitCode, output, error) = await RunAsync("show", id);

        Assert.True(exitCode == ExitCodes.Ok, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"{id}  CliTests.Cart  Running", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^\s+1  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z  WorkflowExecutionStarted\s+CliTests\.Cart on cli-tests", lines[1]);
        Assert.Contains(lines, l => l.Contains("WorkflowTaskCompleted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_submit_wait_returns_once_the_order_waits_for_the_warehouse()
    {
        var orderId = $"ORD-{Guid.NewGuid():N}";
        await StartAsync("CliTests.Fulfillment", WorkflowIds.OrderFulfillment(orderId), true);
        var output = new StringWriter();
        var watcher = new OrderWatcher(await InspectorAsync(), output, TimeSpan.FromMilliseconds(50));

        var progress = await watcher.WaitUntilSettledAsync($"req-{orderId}", orderId, paymentApproved: false, TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(new OrderProgress("PICKING", "AwaitPick", null, Closed: false), progress);
        Assert.Contains("PICKING (step AwaitPick)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_submit_wait_reports_a_rejected_order_from_its_intake()
    {
        var requestId = $"req-{Guid.NewGuid():N}";
        await StartAsync("CliTests.Intake", WorkflowIds.OrderIntake(requestId));
        var watcher = new OrderWatcher(await InspectorAsync(), TextWriter.Null, TimeSpan.FromMilliseconds(50));

        var failure = await Assert.ThrowsAsync<CliFailure>(
            () => watcher.WaitUntilSettledAsync(requestId, "ORD-never", paymentApproved: false, TimeSpan.FromSeconds(20), CancellationToken.None));

        Assert.Equal(ExitCodes.Failure, failure.ExitCode);
        Assert.Contains("lines: required", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_submit_wait_gives_up_with_exit_6_after_its_timeout()
    {
        var orderId = $"ORD-{Guid.NewGuid():N}";
        await StartAsync("CliTests.Fulfillment", WorkflowIds.OrderFulfillment(orderId), false);
        var watcher = new OrderWatcher(await InspectorAsync(), TextWriter.Null, TimeSpan.FromMilliseconds(50));

        var failure = await Assert.ThrowsAsync<CliFailure>(
            () => watcher.WaitUntilSettledAsync($"req-{orderId}", orderId, paymentApproved: false, TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.Equal(ExitCodes.Timeout, failure.ExitCode);
        Assert.Contains("RESERVED", failure.Message, StringComparison.Ordinal);
    }
}

internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(50);
        }
    }
}
