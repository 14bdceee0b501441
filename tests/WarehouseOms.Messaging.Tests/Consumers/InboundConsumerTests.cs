using MassTransit;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Temporal;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Workflows;
using Xunit;

namespace WarehouseOms.Messaging.Tests.Consumers;

public sealed class InboundConsumerTests
{
    private static readonly ShipTo Address = new("Ada", "1 Main St", "Springfield", "12345", "US");

    private static OrderSubmitted ValidOrder(string requestId) =>
        new(requestId, "ORD-" + requestId, "CUST-1", [new OrderLine("WIDGET-RED", 2)], Address);

    [Fact]
    public async Task OrderSubmitted_ValidMessage_StartsIntakeWithRequestIdAndMessageId()
    {
        await using var h = await ConsumerHarness.StartAsync(new Dictionary<string, string?> { ["Fulfillment:PickTimeout"] = "00:05:00" });
        var messageId = NewId.NextGuid();

        await h.SendAsync(Exchanges.OrderSubmitted, ValidOrder("req-1"), messageId);

        Assert.True(await h.Harness.Consumed.Any<OrderSubmitted>());
        Assert.Null(await h.FaultOfAsync<OrderSubmitted>());
        var start = Assert.Single(h.Gateway.Starts);
        Assert.Equal("req-1", start.RequestId);
        Assert.Equal(messageId.ToString(), start.MessageId);
        Assert.Equal("ORD-req-1", start.Submitted.OrderId);
        Assert.Equal(TimeSpan.FromMinutes(5), start.Fulfillment?.PickTimeout);
    }

    [Fact]
    public async Task OrderSubmitted_MissingRequestId_FaultsWithoutRetryOrStart()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.OrderSubmitted, ValidOrder("x") with { RequestId = " " });

        var fault = await h.FaultOfAsync<OrderSubmitted>();
        Assert.NotNull(fault);
        var exception = Assert.Single(fault.Exceptions);
        Assert.Equal(typeof(MessageValidationException).FullName, exception.ExceptionType);
        Assert.Contains("requestId is required", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Gateway.StartAttempts);
    }

    [Fact]
    public async Task OrderSubmitted_OtherwiseInvalidOrder_IsLeftToTheWorkflowToReject()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.OrderSubmitted, new OrderSubmitted("req-2", null, null, null, null));

        Assert.True(await h.Harness.Consumed.Any<OrderSubmitted>());
        Assert.Null(await h.FaultOfAsync<OrderSubmitted>());
        Assert.Equal("req-2", Assert.Single(h.Gateway.Starts).RequestId);
    }

    [Fact]
    public async Task OrderSubmitted_AlreadyHandled_IsAcknowledgedAsDuplicate()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Gateway.OnStart = _ => StartOutcome.AlreadyHandled;

        await h.SendAsync(Exchanges.OrderSubmitted, ValidOrder("req-3"));

        Assert.True(await h.Harness.Consumed.Any<OrderSubmitted>());
        Assert.Null(await h.FaultOfAsync<OrderSubmitted>());
        Assert.Equal(1, h.Gateway.StartAttempts);
    }

    [Fact]
    public async Task OrderSubmitted_TemporalUnavailable_RetriedUntilAccepted()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Gateway.OnStart = attempt => attempt <= 3
            ? throw new TemporalUnavailableException("down", new TimeoutException("deadline"))
            : StartOutcome.Started;

        await h.SendAsync(Exchanges.OrderSubmitted, ValidOrder("req-4"));

        await Eventually.UntilAsync(() => h.Gateway.Starts.Count == 1, "the start to be accepted after retries");
        Assert.Equal(4, h.Gateway.StartAttempts);
        Assert.Null(await h.FaultOfAsync<OrderSubmitted>());
    }

    [Fact]
    public async Task PickCompleted_ValidMessage_SignalsFulfillmentWithMessageId()
    {
        await using var h = await ConsumerHarness.StartAsync();
        var messageId = NewId.NextGuid();

        await h.SendAsync(Exchanges.PickCompleted, 
            new PickCompleted(" ORD-1 ", "dev-7", [new OrderLine("WIDGET-RED", 2), new OrderLine("GADGET", 1)]), messageId);

        await Eventually.UntilAsync(() => !h.Gateway.Signals.IsEmpty, "the pick signal");
        var (orderId, signalName, payload) = Assert.Single(h.Gateway.Signals);
        Assert.Equal("ORD-1", orderId);
        Assert.Equal(SignalNames.PickCompleted, signalName);
        var signal = Assert.IsType<PickCompletedSignal>(payload);
        Assert.Equal(messageId.ToString(), signal.MessageId);
        Assert.Equal("dev-7", signal.DeviceId);
        Assert.Equal(["WIDGET-RED", "GADGET"], signal.Lines.Select(l => l.Sku));
        Assert.Equal([2, 1], signal.Lines.Select(l => l.Quantity));
    }

    [Fact]
    public async Task PickCompleted_NonPositiveQuantityAndMissingDevice_FaultsWithEveryReasonWithoutSignal()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.PickCompleted, new PickCompleted("ORD-2", null, [new OrderLine("WIDGET-RED", 0)]));

        var fault = await h.FaultOfAsync<PickCompleted>();
        Assert.NotNull(fault);
        var message = Assert.Single(fault.Exceptions).Message;
        Assert.Contains("deviceId is required", message, StringComparison.Ordinal);
        Assert.Contains("lines[0].quantity must be a positive number", message, StringComparison.Ordinal);
        Assert.Equal(0, h.Gateway.SignalAttempts);
    }

    [Fact]
    public async Task PickCompleted_MoreThanReservedOrAnUnreservedSku_RefusedToTheErrorQueueWithoutSignal()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Reservations.Held["ORD-5"] = [new SkuQuantity("WIDGET-RED", 2), new SkuQuantity("GADGET", 1)];

        await h.SendAsync(Exchanges.PickCompleted, new PickCompleted("ORD-5", "dev-1", [new OrderLine("WIDGET-RED", 3), new OrderLine("BOLT", 1)]));

        var fault = await h.FaultOfAsync<PickCompleted>();
        Assert.NotNull(fault);
        var message = Assert.Single(fault.Exceptions).Message;
        Assert.Contains("sku 'WIDGET-RED': 3 picked, only 2 reserved.", message, StringComparison.Ordinal);
        Assert.Contains("sku 'BOLT' is not reserved for this order.", message, StringComparison.Ordinal);
        Assert.Equal(0, h.Gateway.SignalAttempts);
    }

    [Fact]
    public async Task PickCompleted_FewerUnitsThanReserved_IsAShortPickAndSignalled()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Reservations.Held["ORD-6"] = [new SkuQuantity("WIDGET-RED", 2), new SkuQuantity("GADGET", 1)];

        await h.SendAsync(Exchanges.PickCompleted, new PickCompleted("ORD-6", "dev-1", [new OrderLine("WIDGET-RED", 1)]));

        await Eventually.UntilAsync(() => h.Gateway.SignalAttempts == 1, "the short pick signalled");
        Assert.Null(await h.FaultOfAsync<PickCompleted>());
    }

    [Fact]
    public async Task PackCompleted_WorkflowNotFound_WithoutWaitQueues_FaultsWithWorkflowNotFoundAtOnce()
    {
        // The in-memory transport has no wait queues (WorkflowWaitRoom parks on RabbitMQ only): nothing is
        // retried inside the consumer any more, so the message is answered at once with the reason.
        await using var h = await ConsumerHarness.StartAsync();
        h.Gateway.OnSignal = _ => throw new WorkflowNotFoundException("order-fulfillment-ORD-4");

        await h.SendAsync(Exchanges.PackCompleted, new PackCompleted("ORD-4", "pack-1", [new PackageInfo("PKG-1", 1.5m)]));

        var fault = await h.FaultOfAsync<PackCompleted>();
        Assert.NotNull(fault);
        var exception = Assert.Single(fault.Exceptions);
        Assert.Contains("workflow not found: order-fulfillment-ORD-4", exception.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(WorkflowStillNotFoundException).FullName, exception.ExceptionType);
        Assert.Equal(1, h.Gateway.SignalAttempts);
    }

    [Fact]
    public void WaitSchedule_DoublesFromTheMinimumUpToTheMaximum_AndNamesOneTierPerLength()
    {
        var schedule = WorkflowWaitTopology.Schedule(new MessagingOptions
        {
            WorkflowNotFoundRetryLimit = 6,
            WorkflowNotFoundMinInterval = TimeSpan.FromMilliseconds(500),
            WorkflowNotFoundMaxInterval = TimeSpan.FromSeconds(3),
        });

        Assert.Equal([0.5, 1, 2, 3, 3, 3], schedule.Select(w => w.TotalSeconds));
        Assert.Equal(
            ["warehouse-oms.wait-500ms", "warehouse-oms.wait-1s", "warehouse-oms.wait-2s", "warehouse-oms.wait-3s"],
            schedule.Select(WorkflowWaitTopology.TierName).Distinct());
    }

    [Fact]
    public async Task PackCompleted_WorkflowAlreadyClosed_AcknowledgedAsLateDuplicate()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Gateway.OnSignal = _ => SignalOutcome.WorkflowClosed;

        await h.SendAsync(Exchanges.PackCompleted, new PackCompleted("ORD-5", "pack-1", [new PackageInfo("PKG-1", 2m)]));

        Assert.True(await h.Harness.Consumed.Any<PackCompleted>());
        Assert.Null(await h.FaultOfAsync<PackCompleted>());
        Assert.Equal(1, h.Gateway.SignalAttempts);
    }

    [Fact]
    public async Task PackCompleted_ZeroWeight_FaultsWithoutSignal()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.PackCompleted, new PackCompleted("ORD-6", "pack-1", [new PackageInfo("PKG-1", 0m)]));

        var fault = await h.FaultOfAsync<PackCompleted>();
        Assert.NotNull(fault);
        Assert.Contains("packages[0].weightKg must be a positive number", Assert.Single(fault.Exceptions).Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Gateway.SignalAttempts);
    }

    [Fact]
    public async Task OrderCancellationRequested_NoReason_SignalsCancelWithDefaultReason()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.OrderCancellationRequested, new OrderCancellationRequested("ORD-7", null));

        await Eventually.UntilAsync(() => !h.Gateway.Signals.IsEmpty, "the cancel signal");
        var (orderId, signalName, payload) = Assert.Single(h.Gateway.Signals);
        Assert.Equal("ORD-7", orderId);
        Assert.Equal(SignalNames.CancelOrder, signalName);
        Assert.Equal(OrderCancellationRequestedConsumer.DefaultReason, Assert.IsType<CancelOrderSignal>(payload).Reason);
    }

    [Fact]
    public async Task OrderCancellationRequested_TemporalUnavailable_RetriedUntilDelivered()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Gateway.OnSignal = attempt => attempt <= 2
            ? throw new TemporalUnavailableException("down", new TimeoutException())
            : SignalOutcome.Delivered;

        await h.SendAsync(Exchanges.OrderCancellationRequested, new OrderCancellationRequested("ORD-8", "customer"));

        await Eventually.UntilAsync(() => h.Gateway.Signals.Count == 1, "the cancel signal after retries");
        Assert.Equal(3, h.Gateway.SignalAttempts);
        Assert.Null(await h.FaultOfAsync<OrderCancellationRequested>());
    }

    [Fact]
    public async Task StockReceived_ValidMessage_RecordsReceipt()
    {
        await using var h = await ConsumerHarness.StartAsync();

        await h.SendAsync(Exchanges.StockReceived, new StockReceived("RCPT-1", "GADGET", 12));

        await Eventually.UntilAsync(() => !h.Replenishments.Signals.IsEmpty, "the replenishment signal");
        Assert.Equal(("RCPT-1", "GADGET", 12), Assert.Single(h.Receipts.Calls));
        var signal = Assert.Single(h.Replenishments.Signals);
        Assert.Equal(("RCPT-1", "GADGET", 12), (signal.ReceiptId, signal.Sku, signal.Quantity));
    }

    [Fact]
    public async Task StockReceived_RejectedReceipt_FaultsWithoutRetry()
    {
        await using var h = await ConsumerHarness.StartAsync();
        h.Receipts.OnRecord = _ => throw new StockReceiptRejectedException("unknown sku NOPE");

        await h.SendAsync(Exchanges.StockReceived, new StockReceived("RCPT-2", "NOPE", 1));

        var fault = await h.FaultOfAsync<StockReceived>();
        Assert.NotNull(fault);
        Assert.Contains("unknown sku NOPE", Assert.Single(fault.Exceptions).Message, StringComparison.Ordinal);
        Assert.Single(h.Receipts.Calls);
    }

    [Fact]
    public void MessageIds_FromBody_SameBytesSameIdDifferentBytesDifferentId()
    {
        var a = MessageIds.FromBody("{\"orderId\":\"1\"}"u8);
        Assert.Equal(a, MessageIds.FromBody("{\"orderId\":\"1\"}"u8));
        Assert.NotEqual(a, MessageIds.FromBody("{\"orderId\":\"2\"}"u8));
        Assert.StartsWith("sha256-", a, StringComparison.Ordinal);
    }
}
