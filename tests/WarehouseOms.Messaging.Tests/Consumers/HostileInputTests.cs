using MassTransit;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Temporal;
using Xunit;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>
/// Identifiers and text outside the inbound bounds, too many items, and conflicting duplicates: refused to
/// the error queue (a fault) with the reason, before anything reaches Temporal.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly ShipTo Address = new("Ada", "1 Main St", "Springfield", "12345", "US");

    private static OrderSubmitted Order(string requestId, string? orderId = null) =>
        new(requestId, orderId ?? "ORD-" + requestId, "CUST-1", [new OrderLine("WIDGET-RED", 2)], Address);

    private static async Task<string> RefusedAsync<TMessage>(ConsumerHarness h)
        where TMessage : class
    {
        var fault = await h.FaultOfAsync<TMessage>();
        Assert.NotNull(fault);
        return Assert.Single(fault.Exceptions).Message;
    }

    [Theory]
    [InlineData("ORD\01", "orderId must be printable text without control characters: U+0000 at index 3 of 'ORD\\u00001'")]
    [InlineData("ORD-1\n[INF] forged", "orderId must be printable text without control characters: U+000A at index 5 of 'ORD-1\\u000a[INF] forged'")]
    public async Task OrderSubmitted_ControlCharacterInOrderId_RefusedWithEscapedReason_NothingStarted(string orderId, string reason)
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.OrderSubmitted, Order("req-ctl", orderId));

        var message = await RefusedAsync<OrderSubmitted>(h);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\0', message);
        Assert.Equal(0, h.Gateway.StartAttempts);
    }

    [Fact]
    public async Task OrderSubmitted_EveryOutOfBoundsField_RefusedWithEveryReason()
    {
        await using var h = await ConsumerHarness.StartAsync();
        var lines = Enumerable.Range(0, InboundLimits.MaxItems + 1).Select(i => new OrderLine($"SKU-{i}", 1)).ToList();
        var message = new OrderSubmitted(new string('r', 129), "ORD-1", "CUST\t1", lines, Address with { Name = "Ada\u202E" });

        await h.SendAsync(Exchanges.OrderSubmitted, message);

        var reason = await RefusedAsync<OrderSubmitted>(h);
        Assert.Contains("requestId must be at most 128 characters, got 129", reason, StringComparison.Ordinal);
        Assert.Contains("customerId must be printable", reason, StringComparison.Ordinal);
        Assert.Contains("lines must have at most 200 items, got 201", reason, StringComparison.Ordinal);
        Assert.Contains("shipTo.name must be printable", reason, StringComparison.Ordinal);
        Assert.Equal(0, h.Gateway.StartAttempts);
    }

    [Fact]
    public async Task OrderSubmitted_UnprintableSku_Refused()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.OrderSubmitted, Order("req-sku") with { Lines = [new OrderLine("WIDGET\u0000", 1)] });

        Assert.Contains("lines[0].sku must be printable", await RefusedAsync<OrderSubmitted>(h), StringComparison.Ordinal);
        Assert.Equal(0, h.Gateway.StartAttempts);
    }

    [Fact]
    public async Task PickCompleted_UnprintableDeviceAndSku_Refused_NoSignal()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.PickCompleted, new PickCompleted("ORD-1", "dev\r\n7", [new OrderLine("SKU\u0007", 1)]));

        var reason = await RefusedAsync<PickCompleted>(h);
        Assert.Contains("deviceId must be printable", reason, StringComparison.Ordinal);
        Assert.Contains("lines[0].sku must be printable", reason, StringComparison.Ordinal);
        Assert.Equal(0, h.Gateway.SignalAttempts);
    }

    [Fact]
    public async Task PackCompleted_TooManyPackages_Refused()
    {
        await using var h = await ConsumerHarness.StartAsync();
        var packages = Enumerable.Range(0, InboundLimits.MaxItems + 1).Select(i => new PackageInfo($"PKG-{i}", 1m)).ToList();

        await h.SendAsync(Exchanges.PackCompleted, new PackCompleted("ORD-1", "station-1", packages));

        Assert.Contains("packages must have at most 200 items, got 201", await RefusedAsync<PackCompleted>(h), StringComparison.Ordinal);
        Assert.Equal(0, h.Gateway.SignalAttempts);
    }

    [Fact]
    public async Task OrderCancellationRequested_ReasonWithControlCharacter_Refused()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.OrderCancellationRequested, new OrderCancellationRequested("ORD-1", "changed\0mind"));

        Assert.Contains("reason must be printable", await RefusedAsync<OrderCancellationRequested>(h), StringComparison.Ordinal);
        Assert.Equal(0, h.Gateway.SignalAttempts);
    }

    [Fact]
    public async Task PaymentApproved_ApprovedByTooLong_Refused()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.PaymentApproved, new PaymentApproved("ORD-1", new string('a', 500)));

        Assert.Contains("approvedBy must be at most 128 characters, got 500", await RefusedAsync<PaymentApproved>(h), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrderSubmitted_DuplicateWithTheSameOrder_IsAcknowledged()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Gateway.OnStart = _ => StartOutcome.AlreadyHandled;
        h.Intakes.Recorded["req-same"] = new RecordedIntake("first-message", Order("req-same"));

        await h.SendAsync(Exchanges.OrderSubmitted, Order("req-same"));

        Assert.True(await h.Harness.Consumed.Any<OrderSubmitted>());
        Assert.Null(await h.FaultOfAsync<OrderSubmitted>());
    }

    [Fact]
    public async Task OrderSubmitted_SameRequestIdWithAnotherOrder_RefusedNamingTheEarlierMessageAndOrder()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Gateway.OnStart = _ => StartOutcome.AlreadyHandled;
        h.Intakes.Recorded["req-reused"] = new RecordedIntake("first-message", Order("req-reused", "ORD-FIRST"));

        await h.SendAsync(Exchanges.OrderSubmitted, Order("req-reused", "ORD-SECOND"));

        var fault = await h.FaultOfAsync<OrderSubmitted>();
        Assert.NotNull(fault);
        var exception = Assert.Single(fault.Exceptions);
        Assert.Equal(typeof(ConflictingDuplicateException).FullName, exception.ExceptionType);
        Assert.Contains("requestId 'req-reused' was already used by message 'first-message' for order 'ORD-FIRST'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("orderId 'ORD-SECOND' instead of 'ORD-FIRST'", exception.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.Gateway.StartAttempts);
    }

    [Fact]
    public async Task OrderSubmitted_SameRequestIdAndOrderWithOtherLines_Refused()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Gateway.OnStart = _ => StartOutcome.AlreadyHandled;
        h.Intakes.Recorded["req-lines"] = new RecordedIntake("first-message", Order("req-lines"));

        await h.SendAsync(Exchanges.OrderSubmitted, Order("req-lines") with { Lines = [new OrderLine("WIDGET-RED", 3)] });

        var reason = await RefusedAsync<OrderSubmitted>(h);
        Assert.Contains("this message carries other lines", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void IntakeConflicts_SameMessageId_IsARedeliveryNeverAConflict() =>
        Assert.Null(IntakeConflicts.Describe("r", "m-1", Order("r", "OTHER"), new RecordedIntake("m-1", Order("r"))));

    [Fact]
    public void IntakeConflicts_SameOrderWithBlanksAroundItsId_IsTheSameOrder() =>
        Assert.Null(IntakeConflicts.Describe("r", "m-2", Order("r", " ORD-r "), new RecordedIntake("m-1", Order("r"))));
}
