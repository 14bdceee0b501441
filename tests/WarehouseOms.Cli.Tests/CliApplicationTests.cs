namespace WarehouseOms.Cli.Tests;

/// <summary>The program's contract with scripts: help, one-line errors and exit codes.</summary>
public sealed class CliApplicationTests
{
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CliApplication.RunAsync(args, _ => null, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Help_lists_every_command_and_the_connection_settings()
    {
        var (exitCode, output, _) = await RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, exitCode);
        foreach (var command in new[] { "submit", "approve", "cancel", "add-line", "pick", "pack", "deliver", "cart add", "cart checkout", "query", "show" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }

        Assert.Contains("TEMPORAL_ADDRESS", output, StringComparison.Ordinal);
        Assert.Contains("RABBITMQ_HOST", output, StringComparison.Ordinal);
        Assert.Contains("--version", output, StringComparison.Ordinal);
        Assert.Contains("--json", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("submit", "--order-id", "--sku", "--qty", "--auto-approve", "--async", "--approve-delay", "--timeout", "--count")]
    [InlineData("approve", "<orderId>", "--by")]
    [InlineData("pack", "<orderId>", "--device", "--packages", "--weight")]
    [InlineData("cart", "add", "<customerId>", "--sku", "--qty")]
    [InlineData("query", "<workflowId>", "--query")]
    public async Task Each_commands_help_documents_its_arguments_options_and_the_connection_settings(string command, params string[] expected)
    {
        var words = command == "cart" ? new[] { command, expected[0] } : [command];
        var (exitCode, output, _) = await RunAsync([.. words, "--help"]);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains($"Usage:{Environment.NewLine}", output, StringComparison.Ordinal);
        foreach (var text in expected.Skip(command == "cart" ? 1 : 0))
        {
            Assert.Contains(text, output, StringComparison.Ordinal);
        }

        Assert.Contains("--rabbitmq-host", output, StringComparison.Ordinal);
        Assert.Contains("TEMPORAL_ADDRESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_cli_assemblys_version_and_exits_0()
    {
        var (exitCode, output, error) = await RunAsync("--version");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Empty(error);
        var expected = typeof(CliApplication).Assembly.GetName().Version!.ToString(3);
        Assert.StartsWith(expected, output.Trim(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("submit", "--bogus", "1")]
    [InlineData("pack", "ORD-1", "--packages", "0")]
    public async Task Every_usage_error_exits_2_with_one_error_line_and_a_hint(params string[] args)
    {
        var (exitCode, output, error) = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Empty(output);
        var lines = error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains("--help", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_usage_error_exits_2_and_points_at_the_commands_help()
    {
        var (exitCode, _, error) = await RunAsync("approve");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("error: 'approve' needs <orderId>", error, StringComparison.Ordinal);
        Assert.Contains("approve --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_broker_exits_3_with_its_address()
    {
        var (exitCode, _, error) = await RunAsync("approve", "ORD-1", "--rabbitmq-host", "127.0.0.1", "--rabbitmq-port", "1");

        Assert.Equal(ExitCodes.BrokerUnavailable, exitCode);
        Assert.Contains("RabbitMQ at 127.0.0.1:1", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_temporal_exits_4_with_its_address()
    {
        var (exitCode, _, error) = await RunAsync("query", "order-fulfillment-ORD-1", "--temporal-address", "127.0.0.1:1");

        Assert.Equal(ExitCodes.TemporalUnavailable, exitCode);
        Assert.Contains("Temporal at 127.0.0.1:1 is unreachable", error, StringComparison.Ordinal);
    }
}
