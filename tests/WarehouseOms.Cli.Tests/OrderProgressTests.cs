using System.Text.Json;
using WarehouseOms.Cli.Temporal;
using WarehouseOms.Temporal;

namespace WarehouseOms.Cli.Tests;

public sealed class OrderProgressTests
{
    [Theory]
    [InlineData("CREATED", "AllocateInventory", false, false)]
    [InlineData("RESERVED", "MarkOrderReserved", false, false)]
    [InlineData("AWAITING_PAYMENT", "AwaitPaymentApproval", false, true)]
    [InlineData("AWAITING_PAYMENT", "AwaitPaymentApproval", true, false)]
    [InlineData("PAID", "ProcessPayment", true, false)]
    [InlineData("PICKING", "AwaitPick", true, true)]
    [InlineData("PICKING", "AwaitPick", false, true)]
    [InlineData("PICKED", "AwaitPack", false, true)]
    [InlineData("SHIPPED", "AwaitDelivery", false, true)]
    [InlineData("COMPLETED", "Completed", false, true)]
    [InlineData("FAILED", "Completed", true, true)]
    [InlineData("CANCELLED", "Compensating", false, true)]
    public void An_order_settles_when_it_waits_for_the_outside_world_or_ends(string status, string step, bool approved, bool settled)
    {
        Assert.Equal(settled, new OrderProgress(status, step, null, Closed: false).IsSettled(approved));
    }

    [Fact]
    public void A_closed_workflow_is_settled_whatever_it_reported()
    {
        Assert.True(new OrderProgress("PACKED", null, null, Closed: true).IsSettled(paymentApproved: true));
    }

    [Fact]
    public void Snapshot_and_result_are_read_in_temporals_pascal_case()
    {
        using var snapshot = JsonDocument.Parse("""{"OrderId":"O","Status":"FAILED","CurrentStep":"Completed","BlockingReason":null,"OutcomeReason":"Insufficient stock"}""");
        using var result = JsonDocument.Parse("""{"OrderId":"O","Status":"SHIPPED","Reason":null,"ShipmentId":"S-1","TrackingNumber":"T-1"}""");

        Assert.Equal(new OrderProgress("FAILED", "Completed", "Insufficient stock", false), OrderProgress.FromSnapshot(snapshot.RootElement));
        Assert.Equal(new OrderProgress("SHIPPED", null, "shipment S-1, tracking T-1", true), OrderProgress.FromResult(result.RootElement));
    }

    [Theory]
    [InlineData("order-fulfillment-ORD-1", "Snapshot")]
    [InlineData("order-intake-req-1", "Status")]
    [InlineData("cart-C-1", "Get")]
    [InlineData("replenishment-GADGET", "Status")]
    [InlineData("something-else", null)]
    public void The_default_query_follows_the_workflow_id(string workflowId, string? query)
    {
        Assert.Equal(query, WorkflowKinds.DefaultQuery(workflowId));
    }

    [Fact]
    public void Lines_are_read_from_a_snapshot_that_has_them()
    {
        using var with = JsonDocument.Parse("""{"Status":"PICKING","Lines":[{"Sku":"GADGET","Quantity":2}]}""");
        using var without = JsonDocument.Parse("""{"Status":"PICKING"}""");

        Assert.Equal([new Contracts.OrderLine("GADGET", 2)], WorkflowInspector.LinesOf(with.RootElement)!);
        Assert.Null(WorkflowInspector.LinesOf(without.RootElement));
    }
}
