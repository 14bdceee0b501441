using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Temporalio.Exceptions;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Shipping;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests;

public sealed class WmsSmsActivitiesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task CreatePickWave_RunTwice_OneWaveAndOneEvent()
    {
        var orderId = TestIds.Unique("ord");
        var call = ActivityCall.For(orderId, "3");
        var input = new CreatePickWaveInput(orderId, [new LineItem("WIDGET-RED", 2)]);

        var first = await db.RunAsync<WmsActivities, PickWaveResult>(call, a => a.CreatePickWaveAsync(input));
        var second = await db.RunAsync<WmsActivities, PickWaveResult>(call.Retry(), a => a.CreatePickWaveAsync(input));

        Assert.Equal(first, second);
        Assert.Equal(1, await db.QueryAsync(ctx => ctx.PickWaves.CountAsync(p => p.OrderId == orderId)));
        var message = Assert.Single(await db.OutboxForOrderAsync(orderId));
        Assert.Equal(Exchanges.PickWaveCreated, message.Exchange);
        Assert.Equal(first.PickWaveId, JsonDocument.Parse(message.Payload).RootElement.GetProperty("pickWaveId").GetString());
    }

    [Fact]
    public async Task Shipment_CreateLabelConfirm_EachStepOnceWithDeterministicTracking()
    {
        var orderId = TestIds.Unique("ord");
        var create = ActivityCall.For(orderId, "6");
        var label = ActivityCall.For(orderId, "7");
        var confirm = ActivityCall.For(orderId, "8");
        var packages = new CreateShipmentInput(orderId, [new Package("pkg-1", 1.25m), new Package("pkg-2", 0.5m)]);

        var shipment = await db.RunAsync<SmsActivities, ShipmentResult>(create, a => a.CreateShipmentAsync(packages));
        await db.RunAsync<SmsActivities, ShipmentResult>(create.Retry(), a => a.CreateShipmentAsync(packages));
        var labelled = await db.RunAsync<SmsActivities, LabelResult>(label, a => a.GenerateShippingLabelAsync(new(orderId, shipment.ShipmentId)));
        var relabelled = await db.RunAsync<SmsActivities, LabelResult>(label.Retry(), a => a.GenerateShippingLabelAsync(new(orderId, shipment.ShipmentId)));
        await db.RunAsync<SmsActivities>(confirm, a => a.ConfirmShipmentAsync(labelled));
        await db.RunAsync<SmsActivities>(confirm.Retry(), a => a.ConfirmShipmentAsync(labelled));

        Assert.Equal(labelled, relabelled);
        Assert.Equal(SimulatedCarrier.IssueLabel(shipment.ShipmentId).TrackingNumber, labelled.TrackingNumber);
        var stored = await db.QueryAsync(ctx => ctx.Shipments.AsNoTracking().SingleAsync(s => s.OrderId == orderId));
        Assert.Equal(ShipmentState.Confirmed, stored.State);
        Assert.Equal(["pkg-1", "pkg-2"], stored.PackageIds);
        Assert.Equal(1.75m, stored.TotalWeightKg);
        var messages = await db.OutboxForOrderAsync(orderId);
        Assert.Equal([Exchanges.ShipmentCreated, Exchanges.ShipmentLabelGenerated, Exchanges.ShipmentConfirmed], messages.Select(m => m.Exchange));
        var confirmed = JsonDocument.Parse(messages[2].Payload).RootElement;
        Assert.Equal(labelled.TrackingNumber, confirmed.GetProperty("trackingNumber").GetString());
        Assert.Equal(labelled.LabelReference, confirmed.GetProperty("labelReference").GetString());
    }

    [Fact]
    public async Task ConfirmShipment_WithoutLabel_IllegalTransition()
    {
        var orderId = TestIds.Unique("ord");
        var shipment = await db.RunAsync<SmsActivities, ShipmentResult>(ActivityCall.For(orderId, "6"), a => a.CreateShipmentAsync(new(orderId, [new Package("pkg-1", 1m)])));

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<SmsActivities>(ActivityCall.For(orderId, "8"), a => a.ConfirmShipmentAsync(new(orderId, shipment.ShipmentId, "WHX1", "label/x.pdf"))));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        Assert.True(error.NonRetryable);
    }

    [Fact]
    public async Task CancelShipment_NoShipment_IsNoOp()
    {
        var orderId = TestIds.Unique("ord");

        await db.RunAsync<SmsActivities>(ActivityCall.For(orderId, "9"), a => a.CancelShipmentAsync(new(orderId, "cancelled")));

        Assert.Empty(await db.OutboxForOrderAsync(orderId));
    }

    [Fact]
    public async Task CancelShipment_Labelled_CancelsOnceAndLabelCannotBeReissued()
    {
        var orderId = TestIds.Unique("ord");
        var shipment = await db.RunAsync<SmsActivities, ShipmentResult>(ActivityCall.For(orderId, "6"), a => a.CreateShipmentAsync(new(orderId, [new Package("pkg-1", 1m)])));
        await db.RunAsync<SmsActivities, LabelResult>(ActivityCall.For(orderId, "7"), a => a.GenerateShippingLabelAsync(new(orderId, shipment.ShipmentId)));
        var cancel = ActivityCall.For(orderId, "9");

        await db.RunAsync<SmsActivities>(cancel, a => a.CancelShipmentAsync(new(orderId, "customer changed their mind")));
        await db.RunAsync<SmsActivities>(cancel.Retry(), a => a.CancelShipmentAsync(new(orderId, "customer changed their mind")));
        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<SmsActivities>(ActivityCall.For(orderId, "10"), a => a.ConfirmShipmentAsync(new(orderId, shipment.ShipmentId, "x", "y"))));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
        var messages = await db.OutboxForOrderAsync(orderId);
        Assert.Equal([Exchanges.ShipmentCreated, Exchanges.ShipmentLabelGenerated, Exchanges.ShipmentCancelled], messages.Select(m => m.Exchange));
    }

    [Fact]
    public async Task CancelShipment_Confirmed_IllegalTransition()
    {
        var orderId = TestIds.Unique("ord");
        var shipment = await db.RunAsync<SmsActivities, ShipmentResult>(ActivityCall.For(orderId, "6"), a => a.CreateShipmentAsync(new(orderId, [new Package("pkg-1", 1m)])));
        var label = await db.RunAsync<SmsActivities, LabelResult>(ActivityCall.For(orderId, "7"), a => a.GenerateShippingLabelAsync(new(orderId, shipment.ShipmentId)));
        await db.RunAsync<SmsActivities>(ActivityCall.For(orderId, "8"), a => a.ConfirmShipmentAsync(label));

        var error = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            db.RunAsync<SmsActivities>(ActivityCall.For(orderId, "9"), a => a.CancelShipmentAsync(new(orderId, "too late"))));

        Assert.Equal(ActivityErrors.IllegalTransition, error.ErrorType);
    }
}
