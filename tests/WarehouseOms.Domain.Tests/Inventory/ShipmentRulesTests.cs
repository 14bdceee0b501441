using WarehouseOms.Domain.Shipping;

namespace WarehouseOms.Domain.Tests.Inventory;

// Shipping rules live next to the inventory rules' tests: both are fulfilment rules owned by the same module.
public sealed class ShipmentRulesTests
{
    [Fact]
    public void IssueLabel_SameShipment_SameTrackingNumber()
    {
        var first = SimulatedCarrier.IssueLabel("SHP-1");
        var second = SimulatedCarrier.IssueLabel("SHP-1");
        var other = SimulatedCarrier.IssueLabel("SHP-2");

        Assert.Equal(first, second);
        Assert.NotEqual(first.TrackingNumber, other.TrackingNumber);
        Assert.Matches("^WHX[0-9]{12}$", first.TrackingNumber);
        Assert.Equal("label/SHP-1.pdf", first.LabelReference);
    }

    [Theory]
    [InlineData(ShipmentState.Created, ShipmentState.Labelled, true)]
    [InlineData(ShipmentState.Labelled, ShipmentState.Confirmed, true)]
    [InlineData(ShipmentState.Created, ShipmentState.Confirmed, false)]
    [InlineData(ShipmentState.Labelled, ShipmentState.Cancelled, true)]
    [InlineData(ShipmentState.Confirmed, ShipmentState.Cancelled, false)]
    [InlineData(ShipmentState.Cancelled, ShipmentState.Labelled, false)]
    [InlineData(ShipmentState.Confirmed, ShipmentState.Confirmed, true)]
    public void IsAllowed_Transition(ShipmentState from, ShipmentState to, bool expected)
    {
        Assert.Equal(expected, ShipmentTransitions.IsAllowed(from, to));
    }
}
