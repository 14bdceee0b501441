using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Contracts;

namespace WarehouseOms.Cli.Tests;

public sealed class CommandParserTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static CliCommand Parse(params string[] args) => CommandParser.Parse(args, NoEnvironment).Command;

    private static UsageException Rejects(params string[] args) => Assert.Throws<UsageException>(() => CommandParser.Parse(args, NoEnvironment));

    [Fact]
    public void Sku_register_with_components_is_a_kit_and_without_them_a_stocked_item()
    {
        var kit = Assert.IsType<SkuRegisterCommand>(Parse("sku", "register", "KIT-DESK", "--name", "Desk kit", "--sku", "WIDGET-RED", "--qty", "2", "--sku", "CABLE-USB"));
        var stocked = Assert.IsType<SkuRegisterCommand>(Parse("sku", "register", "LAMP", "--reorder-point", "5", "--reorder-quantity", "40"));

        Assert.Equal(("KIT-DESK", "Desk kit"), (kit.Sku, kit.Name));
        Assert.Equal([new SkuComponent("WIDGET-RED", 2), new SkuComponent("CABLE-USB", 1)], kit.Components);
        Assert.Equal(("LAMP", "LAMP", 5, 40, (IReadOnlyList<SkuComponent>?)null), (stocked.Sku, stocked.Name, stocked.ReorderPoint, stocked.ReorderQuantity, stocked.Components));
        Assert.Equal("OLD", Assert.IsType<SkuRetireCommand>(Parse("sku", "retire", "OLD")).Sku);
    }

    [Fact]
    public void Submit_without_options_is_one_sample_order_that_waits()
    {
        var submit = Assert.IsType<SubmitCommand>(Parse("submit"));

        Assert.Null(submit.OrderId);
        Assert.Null(submit.RequestId);
        Assert.Equal(CommandParser.DefaultCustomer, submit.CustomerId);
        Assert.Empty(submit.Lines);
        Assert.Equal(1, submit.Count);
        Assert.False(submit.AutoApprove);
        Assert.False(submit.Async);
        Assert.Equal(TimeSpan.FromSeconds(2), submit.ApproveDelay);
        Assert.Equal(TimeSpan.FromSeconds(60), submit.WaitTimeout);
    }

    [Fact]
    public void Submit_pairs_each_qty_with_the_sku_before_it_and_defaults_to_one()
    {
        var submit = Assert.IsType<SubmitCommand>(Parse(
            "submit", "--order-id", "ORD-7", "--customer", "C-9", "--sku", "GADGET", "--qty", "3", "--sku", "CABLE-USB",
            "--sku=WIDGET-RED", "--qty=2", "--count", "4", "--auto-approve", "--async", "--approve-delay", "0.5", "--timeout", "10"));

        Assert.Equal("ORD-7", submit.OrderId);
        Assert.Equal("C-9", submit.CustomerId);
        Assert.Equal([new OrderLine("GADGET", 3), new OrderLine("CABLE-USB", 1), new OrderLine("WIDGET-RED", 2)], submit.Lines);
        Assert.Equal(4, submit.Count);
        Assert.True(submit.AutoApprove);
        Assert.True(submit.Async);
        Assert.Equal(TimeSpan.FromMilliseconds(500), submit.ApproveDelay);
        Assert.Equal(TimeSpan.FromSeconds(10), submit.WaitTimeout);
    }

    [Fact]
    public void Submit_with_a_currency_prices_each_sku_with_the_price_after_it()
    {
        var submit = Assert.IsType<SubmitCommand>(Parse(
            "submit", "--currency", "EUR", "--sku", "GADGET", "--price", "12.50", "--qty", "3", "--sku", "CABLE-USB", "--price=0.99"));

        Assert.Equal("EUR", submit.Currency);
        Assert.Equal([new OrderLine("GADGET", 3, 12.50m), new OrderLine("CABLE-USB", 1, 0.99m)], submit.Lines);
        Assert.Null(Assert.IsType<SubmitCommand>(Parse("submit", "--sku", "GADGET")).Currency);
        Assert.Equal(new AddLineCommand("ORD-1", "GADGET", 2, 4.25m), Parse("add-line", "ORD-1", "--sku", "GADGET", "--qty", "2", "--price", "4.25"));
        Assert.Contains("--price 'ten'", Rejects("submit", "--sku", "GADGET", "--price", "ten").Message, StringComparison.Ordinal);
        Assert.Contains("Each --price must follow its own --sku", Rejects("submit", "--price", "1", "--sku", "GADGET").Message, StringComparison.Ordinal);
        Assert.Contains("Each --price must follow its own --sku", Rejects("submit", "--sku", "GADGET", "--price", "1", "--price", "2").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_honours_the_seed_starters_environment_variables()
    {
        var env = new Dictionary<string, string> { ["ASYNC"] = "true", ["AUTO_APPROVE"] = "1", ["ORDER_ID"] = "ORDER-42" };

        var submit = Assert.IsType<SubmitCommand>(CommandParser.Parse(["submit"], n => env.GetValueOrDefault(n)).Command);

        Assert.True(submit.Async);
        Assert.True(submit.AutoApprove);
        Assert.Equal("ORDER-42", submit.OrderId);
    }

    [Fact]
    public void Quantities_may_be_negative_so_that_a_bad_message_can_be_sent_on_purpose()
    {
        var submit = Assert.IsType<SubmitCommand>(Parse("submit", "--sku", "GADGET", "--qty", "-1"));

        Assert.Equal(-1, submit.Lines.Single().Quantity);
    }

    [Theory]
    [InlineData("submit", "--qty", "2")]
    [InlineData("submit", "--sku", "A", "--qty", "1", "--qty", "2")]
    [InlineData("submit", "--sku", "A", "--qty", "two")]
    [InlineData("submit", "--count", "0")]
    [InlineData("submit", "--timeout", "soon")]
    [InlineData("submit", "--bogus", "1")]
    [InlineData("submit", "extra")]
    [InlineData("submit", "--order-id")]
    [InlineData("approve")]
    [InlineData("approve", "A", "B")]
    [InlineData("add-line", "ORD-1")]
    [InlineData("add-line", "ORD-1", "--sku", "A", "--sku", "B")]
    [InlineData("pack", "ORD-1", "--weight", "heavy")]
    [InlineData("deliver", "ORD-1", "--at", "yesterday")]
    [InlineData("cart")]
    [InlineData("cart", "add", "C-1")]
    [InlineData("cart", "empty", "C-1")]
    [InlineData("query")]
    [InlineData("frobnicate")]
    [InlineData("approve", "A", "-x")]
    public void Wrong_command_lines_are_usage_errors(params string[] args)
    {
        var error = Rejects(args);

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [InlineData("'approve' needs <orderId>", "approve")]
    [InlineData("'cart checkout' needs <customerId>", "cart", "checkout")]
    [InlineData("'--bogus'", "submit", "--bogus", "1")]
    [InlineData("'frobnicate'", "frobnicate")]
    [InlineData("--order-id", "submit", "--order-id")]
    [InlineData("Each --qty must follow its own --sku", "submit", "--qty", "2")]
    [InlineData("--weight 'heavy'", "pack", "ORD-1", "--weight", "heavy")]
    public void A_usage_error_names_the_problem(string expected, params string[] args)
    {
        Assert.Contains(expected, Rejects(args).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_and_version_are_understood()
    {
        Assert.True(CommandParser.Parse(["show", "x", "--json"], NoEnvironment).Json);
        Assert.False(CommandParser.Parse(["show", "x"], NoEnvironment).Json);
        Assert.IsType<VersionCommand>(Parse("--version"));
    }

    [Fact]
    public void A_usage_error_names_the_command_whose_help_applies()
    {
        Assert.Equal("pick", Rejects("pick", "ORD-1", "--reason", "x").Command);
        Assert.Equal("cart add", Rejects("cart", "add", "C-1").Command);
    }

    [Fact]
    public void Order_commands_take_the_order_id_and_their_options()
    {
        Assert.Equal(new ApproveCommand("ORD-1", "admin"), Parse("approve", "ORD-1"));
        Assert.Equal(new ApproveCommand("ORD-1", "alice"), Parse("approve", "ORD-1", "--by", "alice"));
        Assert.Equal(new CancelCommand("ORD-1", "customer changed mind"), Parse("cancel", "ORD-1", "--reason", "customer changed mind"));
        Assert.Equal(new AddLineCommand("ORD-1", "EXTRA-001", 1), Parse("add-line", "ORD-1", "--sku", "EXTRA-001"));
        Assert.Equal(new AddLineCommand("ORD-1", "GADGET", 3), Parse("add-line", "ORD-1", "--sku", "GADGET", "--qty", "3"));
        Assert.Equal(new DeliverCommand("ORD-1", null), Parse("deliver", "ORD-1"));
        Assert.Equal(
            new DeliverCommand("ORD-1", new DateTimeOffset(2026, 1, 31, 14, 0, 0, TimeSpan.Zero)),
            Parse("deliver", "ORD-1", "--at", "2026-01-31T14:00:00Z"));
    }

    [Fact]
    public void Pick_without_skus_leaves_the_lines_to_the_order_and_pack_defaults_to_one_package()
    {
        var pick = Assert.IsType<PickCommand>(Parse("pick", "ORD-1"));
        Assert.Equal("scanner-1", pick.DeviceId);
        Assert.Empty(pick.Lines);

        var explicitPick = Assert.IsType<PickCommand>(Parse("pick", "ORD-1", "--device", "gun-7", "--sku", "GADGET", "--qty", "2"));
        Assert.Equal("gun-7", explicitPick.DeviceId);
        Assert.Equal([new OrderLine("GADGET", 2)], explicitPick.Lines);

        Assert.Equal(new PackCommand("ORD-1", "pack-station-1", 1, 1.2m), Parse("pack", "ORD-1"));
        Assert.Equal(new PackCommand("ORD-1", "bench-2", 3, 0.75m), Parse("pack", "ORD-1", "--device", "bench-2", "--packages", "3", "--weight", "0.75"));
    }

    [Fact]
    public void Cart_commands_take_the_customer_id()
    {
        var add = Assert.IsType<CartItemsCommand>(Parse("cart", "add", "C-1", "--sku", "GADGET", "--qty", "2"));
        Assert.Equal("C-1", add.CustomerId);
        Assert.False(add.Remove);
        Assert.Equal([new OrderLine("GADGET", 2)], add.Items);

        Assert.True(Assert.IsType<CartItemsCommand>(Parse("cart", "remove", "C-1", "--sku", "GADGET")).Remove);
        Assert.Equal(new CartResetCommand("C-1"), Parse("cart", "reset", "C-1"));
        Assert.Equal(new CartCheckoutCommand("C-1", null), Parse("cart", "checkout", "C-1"));
        Assert.Equal(new CartCheckoutCommand("C-1", "R-9"), Parse("cart", "checkout", "C-1", "--request-id", "R-9"));
    }

    [Fact]
    public void Query_and_show_take_a_workflow_id()
    {
        Assert.Equal(new QueryCommand("order-fulfillment-ORD-1", null), Parse("query", "order-fulfillment-ORD-1"));
        Assert.Equal(new QueryCommand("order-fulfillment-ORD-1", "CurrentStep"), Parse("query", "order-fulfillment-ORD-1", "--query", "CurrentStep"));
        Assert.Equal(new ShowCommand("cart-C-1"), Parse("show", "cart-C-1"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(null, "--help")]
    [InlineData(null, "-h")]
    [InlineData(null, "help")]
    [InlineData("submit", "submit", "--help")]
    [InlineData("submit", "help", "submit")]
    [InlineData("approve", "approve", "-h")]
    [InlineData("cart checkout", "cart", "checkout", "--help")]
    [InlineData("cart checkout", "help", "cart", "checkout")]
    [InlineData("approve", "approve", "-?")]
    public void Help_is_asked_in_several_ways(string? topic, params string[] args)
    {
        Assert.Equal(new HelpCommand(topic), Parse(args));
    }

    [Fact]
    public void Connection_settings_default_to_the_local_broker_and_the_embedded_dev_server()
    {
        var settings = CommandParser.Parse(["show", "x"], NoEnvironment).Settings;

        Assert.Equal(new RabbitMqSettings("localhost", 5672, "warehouse-oms", "warehouse-oms", "warehouse-oms"), settings.RabbitMq);
        Assert.Equal(new TemporalSettings("localhost:7233", "default"), settings.Temporal);
    }

    [Fact]
    public void Options_override_environment_variables_which_override_defaults()
    {
        var env = new Dictionary<string, string>
        {
            ["RABBITMQ_HOST"] = "mq",
            ["RABBITMQ_PORT"] = "5673",
            ["RABBITMQ_USER"] = "oms",
            ["RABBITMQ_PASSWORD"] = "secret",
            ["RABBITMQ_VHOST"] = "whs",
            ["TEMPORAL_HOST"] = "old-style:7233",
            ["TEMPORAL_NAMESPACE"] = "orders",
        };

        var settings = CommandParser.Parse(["show", "x", "--rabbitmq-host", "other", "--temporal-address", "temporal:7233"], n => env.GetValueOrDefault(n)).Settings;

        Assert.Equal(new RabbitMqSettings("other", 5673, "oms", "secret", "whs"), settings.RabbitMq);
        Assert.Equal(new TemporalSettings("temporal:7233", "orders"), settings.Temporal);
        Assert.Equal("old-style:7233", CommandParser.Parse(["show", "x"], n => env.GetValueOrDefault(n)).Settings.Temporal.Address);
    }

    [Fact]
    public void A_rabbitmq_uri_is_accepted_and_bad_connection_values_are_usage_errors()
    {
        var settings = CommandParser.Parse(["show", "x", "--rabbitmq-uri", "amqp://u:p@mq:5673/v"], NoEnvironment).Settings;
        Assert.Equal(new Uri("amqp://u:p@mq:5673/v"), settings.RabbitMq.Uri);
        Assert.DoesNotContain("p@", settings.RabbitMq.Describe(), StringComparison.Ordinal);

        Rejects("show", "x", "--rabbitmq-port", "http");
        Rejects("show", "x", "--rabbitmq-uri", "http://mq");
    }
}
