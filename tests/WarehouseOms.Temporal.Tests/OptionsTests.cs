using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace WarehouseOms.Temporal.Tests;

/// <summary>The configuration keys of sections Temporal, Fulfillment and Payments, bound and validated.</summary>
public sealed class OptionsTests
{
    [Fact]
    public void Read_EveryKey_BoundUnderItsName()
    {
        var options = TemporalOptions.Read(Configuration(new()
        {
            ["Temporal:Address"] = "temporal:7233",
            ["Temporal:Namespace"] = "oms",
            ["Temporal:OrderTaskQueue"] = "orders",
            ["Temporal:CartTaskQueue"] = "carts",
            ["Temporal:WorkerIdentity"] = "worker-1",
            ["Temporal:GracefulShutdownTimeout"] = "00:00:30",
            ["Temporal:Embedded"] = "InMemory",
            ["Temporal:EmbeddedPort"] = "0",
            ["Temporal:EmbeddedIp"] = "0.0.0.0",
            ["Temporal:EmbeddedConnectionString"] = "Host=db",
            ["Temporal:EmbeddedSchema"] = "engine",
            ["Temporal:EmbeddedRetention"] = "1.00:00:00",
        }));

        Assert.Equal(
            ("temporal:7233", "oms", "orders", "carts", "worker-1", TimeSpan.FromSeconds(30), EmbeddedTemporal.InMemory, 0, "0.0.0.0", "Host=db", "engine", TimeSpan.FromDays(1)),
            (options.Address, options.Namespace, options.OrderTaskQueue, options.CartTaskQueue, options.WorkerIdentity, options.GracefulShutdownTimeout,
                options.Embedded, options.EmbeddedPort, options.EmbeddedIp, options.EmbeddedConnectionString, options.EmbeddedSchema, options.EmbeddedRetention));
    }

    [Fact]
    public void Read_NoSection_Defaults()
    {
        var options = TemporalOptions.Read(Configuration(new()));

        Assert.Equal(
            ("default", "ORDER_TASK_QUEUE", "CART_TASK_QUEUE", TemporalOptions.DefaultEmbeddedPort, "127.0.0.1", "temporal", TimeSpan.FromSeconds(10), (EmbeddedTemporal?)null),
            (options.Namespace, options.OrderTaskQueue, options.CartTaskQueue, options.EmbeddedPort, options.EmbeddedIp, options.EmbeddedSchema, options.GracefulShutdownTimeout, options.Embedded));
    }

    [Fact]
    public void Read_OutOfRange_ThrowsWithEveryProblem()
    {
        var error = Assert.Throws<OptionsValidationException>(() => TemporalOptions.Read(Configuration(new()
        {
            ["Temporal:EmbeddedPort"] = "70000",
            ["Temporal:Namespace"] = "",
            ["Temporal:EmbeddedRetention"] = "00:00:00",
        })));

        Assert.Equal(3, error.Failures.Count());
    }

    [Fact]
    public void FulfillmentSettings_PaymentsSection_BoundIntoPaymentsAndFixedIntoTheWorkflowOptions()
    {
        var settings = Provider(new()
        {
            ["Fulfillment:PickTimeout"] = "01:00:00",
            ["Payments:AutoApprove"] = "true",
            ["Payments:ApprovalTimeout"] = "00:30:00",
            ["Payments:MaxAttempts"] = "7",
        }).GetRequiredService<IOptions<FulfillmentSettings>>().Value.ToWorkflowOptions();

        Assert.Equal(TimeSpan.FromHours(1), settings.PickTimeout);
        Assert.Equal(new Workflows.PaymentOptions(true, TimeSpan.FromMinutes(30), 7), settings.Payment);
    }

    [Fact]
    public void FulfillmentSettings_NonPositiveTimeoutOrAttempts_Refused()
    {
        var provider = Provider(new() { ["Fulfillment:PickTimeout"] = "00:00:00", ["Payments:MaxAttempts"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<FulfillmentSettings>>().Value);

        Assert.Equal(2, error.Failures.Count());
    }

    [Fact]
    public void FulfillmentSettings_ShortPickSection_FixedIntoTheWorkflowOptions()
    {
        var settings = Provider(new()
        {
            ["Fulfillment:ShortPick:Policy"] = "HoldForRestock",
            ["Fulfillment:ShortPick:HoldTimeout"] = "02:00:00",
            ["Fulfillment:ShortPick:AfterHold"] = "Cancel",
        }).GetRequiredService<IOptions<FulfillmentSettings>>().Value.ToWorkflowOptions();

        Assert.Equal(new Workflows.ShortPickOptions(Domain.Orders.ShortPickPolicy.HoldForRestock, TimeSpan.FromHours(2), Domain.Orders.AfterHold.Cancel), settings.ShortPick);
    }

    [Fact]
    public void FulfillmentSettings_ShortPickDefaults_ShipPicked()
    {
        var settings = Provider([]).GetRequiredService<IOptions<FulfillmentSettings>>().Value.ToWorkflowOptions();

        Assert.Equal(new Workflows.ShortPickOptions(), settings.ShortPick);
    }

    [Fact]
    public void FulfillmentSettings_NonPositiveHoldOrUnknownPolicy_Refused()
    {
        var provider = Provider(new() { ["Fulfillment:ShortPick:HoldTimeout"] = "-00:01:00", ["Fulfillment:ShortPick:Policy"] = "42" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<FulfillmentSettings>>().Value);

        Assert.Equal(2, error.Failures.Count());
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static ServiceProvider Provider(Dictionary<string, string?> values) =>
        new ServiceCollection().AddWarehouseTemporalOptions(Configuration(values)).BuildServiceProvider();
}
