using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Temporalio.Client;
using WarehouseOms.Contracts;
using WarehouseOms.Workflows;
using RpcException = Temporalio.Exceptions.RpcException;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// Issue 9 through the real broker: an oversize body, control characters in identifiers and conflicting
/// duplicates are each answered (error queue with the reason, or order-rejected), nothing reaches
/// PostgreSQL or Temporal that could wedge, and the endpoint keeps consuming.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class HostileInputTests(ServiceFixture service)
{
    private static string OrderJson(string requestId, string orderIdJson, string sku = "WIDGET-RED") =>
        $$$"""{"requestId":"{{{requestId}}}","orderId":"{{{orderIdJson}}}","customerId":"C1","lines":[{"sku":"{{{sku}}}","quantity":1}],"shipTo":{"name":"Ada","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}}""";

    private Task<(string Body, IDictionary<string, string> Headers)?> ErrorQueueEntryAsync(string exchange, string messageId) =>
        Eventually.UntilAsync(
            () => service.Broker.TakeAsync(Queues.ErrorQueueFor(exchange), messageId),
            m => m is not null,
            $"{messageId} in the error queue of {exchange}");

    private async Task AssertNoIntakeAsync(string requestId)
    {
        var handle = service.Services.GetRequiredService<ITemporalClient>().GetWorkflowHandle(WorkflowIds.OrderIntake(requestId));
        var missing = await Assert.ThrowsAsync<RpcException>(() => handle.DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, missing.Code);
        Assert.Equal(0L, await service.ScalarAsync("SELECT count(*) FROM oms.order_rejections WHERE request_id = $1", requestId));
    }

    /// <summary>The endpoint is not stuck: a valid order published afterwards is created.</summary>
    private async Task AssertOrdersStillFlowAsync()
    {
        var orderId = TestIds.Unique("IT-AFTER");
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(orderId + "-req", orderId), orderId + "-submit");
        await service.Broker.EventAsync(Exchanges.OrderCreated, orderId);
    }

    [Fact]
    public async Task OversizeBody_GoesToErrorQueueWithReason_Unparsed()
    {
        var requestId = TestIds.Unique("IT-HUGE");
        // 768 KiB of valid JSON, an order whose customerId alone is over the service's limit (512 KiB here)
        // and under the broker's (1 MiB), so the service itself has to answer it.
        var json = OrderJson(requestId, requestId + "-order").Replace("\"C1\"", $"\"{new string('C', 768 * 1024)}\"", StringComparison.Ordinal);
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, json, requestId);

        var dead = await ErrorQueueEntryAsync(Exchanges.OrderSubmitted, requestId);

        Assert.Contains("MessageTooLargeException", dead!.Value.Headers["MT-Fault-ExceptionType"], StringComparison.Ordinal);
        Assert.Contains($"over the limit of {ServiceFixture.MaxMessageBytes} bytes (Messaging:MaxMessageBytes)", dead.Value.Headers["MT-Fault-Message"], StringComparison.Ordinal);
        Assert.Equal(json.Length, dead.Value.Body.Length); // kept whole for an operator to inspect or replay
        await AssertNoIntakeAsync(requestId);
        await AssertOrdersStillFlowAsync();
    }

    [Fact]
    public async Task BodyOverTheBrokersLimit_IsRefusedToThePublisherAtPublish_AndOrdersStillFlow()
    {
        // rabbitmq/rabbitmq.conf caps bodies at 1 MiB: the broker closes the publisher's channel with
        // 406 PRECONDITION_FAILED, so the sender learns at once and nothing reaches a queue. (Its own
        // connection: the closed channel would be the shared publisher's otherwise.)
        var requestId = TestIds.Unique("IT-HUGER");
        var json = OrderJson(requestId, requestId + "-order").Replace("\"C1\"", $"\"{new string('C', 2 * 1024 * 1024)}\"", StringComparison.Ordinal);
        await using var connection = await new ConnectionFactory { Uri = ServiceFixture.BrokerUri, ClientProvidedName = "integration-tests-oversize" }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = "application/json", MessageId = requestId };

        await channel.BasicPublishAsync(Exchanges.OrderSubmitted, string.Empty, mandatory: false, properties, Encoding.UTF8.GetBytes(json));

        await Eventually.UntilAsync(() => channel.IsClosed, "the broker to close the publishing channel");
        Assert.Equal((ushort?)406, channel.CloseReason?.ReplyCode);
        Assert.Contains("larger than configured max size", channel.CloseReason?.ReplyText, StringComparison.Ordinal);
        Assert.Null(await service.Broker.TakeAsync(Queues.ErrorQueueFor(Exchanges.OrderSubmitted), requestId));
        await AssertNoIntakeAsync(requestId);
        await AssertOrdersStillFlowAsync();
    }

    [Fact]
    public async Task TenThousandLines_UnderTheSizeLimit_GoesToErrorQueueWithReason_BeforeTemporal()
    {
        var requestId = TestIds.Unique("IT-LINES");
        var lines = string.Join(',', Enumerable.Range(0, 10_000).Select(i => $$"""{"sku":"SKU-{{i}}","quantity":1}"""));
        var json = OrderJson(requestId, requestId + "-order").Replace("""[{"sku":"WIDGET-RED","quantity":1}]""", $"[{lines}]", StringComparison.Ordinal);
        Assert.InRange(json.Length, 100_000, ServiceFixture.MaxMessageBytes);
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, json, requestId);

        var dead = await ErrorQueueEntryAsync(Exchanges.OrderSubmitted, requestId);

        Assert.Contains("lines must have at most 200 items, got 10000", dead!.Value.Headers["MT-Fault-Message"], StringComparison.Ordinal);
        await AssertNoIntakeAsync(requestId);
    }

    [Fact]
    public async Task ARefusalWhoseFaultWouldBeOverTheBrokersLimit_GoesToErrorQueueWithItsReason_AndOrdersStillFlow()
    {
        // 20,000 two-field lines: about 500 KB, under the service's limit (512 KiB here), refused for its line count.
        // MassTransit's Fault<OrderSubmitted> re-serializes every line with all its fields, nearly 2 MB, over the
        // broker's 1 MiB: published, the broker would close the channel and the message would come back for ever.
        var requestId = TestIds.Unique("IT-FAULTSIZE");
        var lines = string.Join(',', Enumerable.Repeat("""{"sku":"A","quantity":1}""", 20_000));
        var json = OrderJson(requestId, requestId + "-order").Replace("""[{"sku":"WIDGET-RED","quantity":1}]""", $"[{lines}]", StringComparison.Ordinal);
        Assert.InRange(json.Length, 400_000, ServiceFixture.MaxMessageBytes);
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, json, requestId);

        var dead = await ErrorQueueEntryAsync(Exchanges.OrderSubmitted, requestId);

        var reason = dead!.Value.Headers["MT-Fault-Message"];
        Assert.Contains("FaultTooLargeException", dead.Value.Headers["MT-Fault-ExceptionType"], StringComparison.Ordinal);
        Assert.Contains("refused (MessageValidationException: invalid oms.order-submitted: lines must have at most 200 items, got 20000)", reason, StringComparison.Ordinal);
        Assert.Contains("would be over the broker's max_message_size of 1048576 bytes", reason, StringComparison.Ordinal);
        Assert.Equal(json.Length, dead.Value.Body.Length);
        await AssertNoIntakeAsync(requestId);
        await AssertOrdersStillFlowAsync();
    }

    [Theory]
    [InlineData(1, 128_000)] // one header that nearly fills the broker's 128 KiB frame
    [InlineData(1_000, 100)] // many small ones
    public async Task HeadersOverTheLimit_GoToTheErrorQueueWithoutTheLargest_AndTheServiceKeepsItsConnection(int count, int size)
    {
        // Accepted from the publisher (under the broker's frame), but MassTransit's copy to the error queue adds the
        // reason's headers: over the frame, the broker closed the service's whole connection and the message came back.
        var requestId = TestIds.Unique("IT-HEADERS");
        var headers = Enumerable.Range(0, count).ToDictionary(i => $"x-pad-{i:D4}", _ => (object?)new string('h', size));
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(requestId, requestId + "-order"), requestId, headers);

        var dead = await ErrorQueueEntryAsync(Exchanges.OrderSubmitted, requestId);

        Assert.Contains("message headers are", dead!.Value.Headers["MT-Fault-Message"], StringComparison.Ordinal);
        Assert.Contains("over the limit of 65536 bytes (Messaging:MaxHeaderBytes)", dead.Value.Headers["MT-Fault-Message"], StringComparison.Ordinal);
        Assert.Contains("x-pad-", dead.Value.Headers["warehouse-oms-dropped-headers"], StringComparison.Ordinal);
        Assert.InRange(dead.Value.Headers.Keys.Count(k => k.StartsWith("x-pad-", StringComparison.Ordinal)), 0, count - 1);
        await AssertNoIntakeAsync(requestId);
        await AssertOrdersStillFlowAsync();
    }

    [Theory]
    [InlineData("MT-Fault-Address", "exchange:somewhere-else")] // an exchange the service's broker user may not write to
    [InlineData("MT-Fault-Address", "exchange:warehouse-oms.{0}")] // one it may: a publisher must not steer its faults
    [InlineData("MT-Response-Address", "exchange:warehouse-oms.{0}")]
    public async Task AReplyAddressNamedByThePublisher_IsIgnored_TheRefusalGoesToTheErrorQueueWithItsReason(string header, string address)
    {
        // MassTransit sends a Fault to the publisher's fault (or, for a request, response) address instead of publishing
        // it. An address the broker refuses closed the channel and the message came back for ever; one it accepts let
        // any publisher put Faults on an exchange of its choosing, such as an outbound one that downstream consumers read.
        var requestId = TestIds.Unique("IT-REPLYADDR");
        var exchange = requestId.ToLowerInvariant();
        var named = address.Replace("{0}", exchange, StringComparison.Ordinal);
        var observed = named.StartsWith("exchange:warehouse-oms.", StringComparison.Ordinal) ? await service.Broker.BindQueueAsync(named["exchange:".Length..]) : null;
        var published = await service.Broker.BindQueueAsync("MassTransit:Fault--WarehouseOms.Contracts:OrderSubmitted--");
        var headers = new Dictionary<string, object?> { [header] = named, ["MT-Request-Id"] = Guid.NewGuid().ToString() };
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(requestId, requestId + "\\u0007"), requestId, headers);

        var dead = await ErrorQueueEntryAsync(Exchanges.OrderSubmitted, requestId);

        Assert.Contains("orderId must be printable text without control characters: U+0007", dead!.Value.Headers["MT-Fault-Message"], StringComparison.Ordinal);
        if (observed is not null)
        {
            Assert.Empty(await service.Broker.DrainAsync(observed));
        }

        // Published instead, as every other refusal's Fault.
        Assert.Single(await service.Broker.DrainBodiesAsync(published), body => body.Contains(requestId, StringComparison.Ordinal));

        await AssertOrdersStillFlowAsync();
    }

    [Theory]
    [InlineData("NUL", "\\u0000", "U+0000")]
    [InlineData("NEWLINE", "\\n2026-11-30 [INF] forged line", "U+000A")]
    public async Task ControlCharacterInOrderId_GoesToErrorQueueWithReason_NothingStuck(string name, string injected, string codePoint)
    {
        var requestId = TestIds.Unique("IT-" + name);
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(requestId, requestId + injected), requestId);

        var dead = await ErrorQueueEntryAsync(Exchanges.OrderSubmitted, requestId);

        var reason = dead!.Value.Headers["MT-Fault-Message"];
        Assert.Contains($"orderId must be printable text without control characters: {codePoint}", reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', reason);
        Assert.DoesNotContain('\0', reason);
        await AssertNoIntakeAsync(requestId);
        await AssertOrdersStillFlowAsync();
    }

    [Fact]
    public async Task MessageIdWithNewline_GoesToErrorQueueWithReason()
    {
        var orderId = TestIds.Unique("IT-MID");
        var messageId = orderId + "\n2026-11-30 [INF] forged line";
        await service.Broker.PublishAsync(Exchanges.PickCompleted,
            new { orderId, deviceId = "scanner-1", lines = new[] { new { sku = "WIDGET-RED", quantity = 1 } } }, messageId);

        var dead = await ErrorQueueEntryAsync(Exchanges.PickCompleted, messageId);

        var reason = dead!.Value.Headers["MT-Fault-Message"];
        Assert.Contains("message_id (AMQP property) must be printable text without control characters: U+000A", reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', reason);
    }

    [Fact]
    public async Task SameOrderIdUnderANewRequestId_IsRejectedNamingTheEarlierRequest()
    {
        var orderId = TestIds.Unique("IT-OIDDUP");
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(orderId + "-first", orderId), orderId + "-first");
        await service.Broker.EventAsync(Exchanges.OrderCreated, orderId);

        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(orderId + "-second", orderId), orderId + "-second");

        var rejected = await Eventually.UntilAsync(
            () => Task.FromResult(service.Broker.For(Exchanges.OrderRejected, orderId).FirstOrDefault()),
            m => m is not null,
            "order-rejected for the second request");
        Assert.Equal(orderId + "-second", rejected!.Body.GetProperty("requestId").GetString());
        var reason = Assert.Single(rejected.Body.GetProperty("reasons").EnumerateArray()).GetString();
        Assert.Contains($"already exists for request {orderId}-first", reason, StringComparison.Ordinal);
        Assert.Single(service.Broker.For(Exchanges.OrderCreated, orderId).DistinctBy(m => m.MessageId));
        Assert.Equal(orderId + "-first", await service.ScalarAsync("SELECT request_id FROM oms.orders WHERE order_id = $1", orderId));
    }

    [Fact]
    public async Task SameRequestIdWithAnotherOrder_GoesToErrorQueueNamingTheEarlierMessageAndOrder()
    {
        var requestId = TestIds.Unique("IT-REQDUP");
        var firstOrder = requestId + "-a";
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(requestId, firstOrder), requestId + "-m1");
        await service.Broker.EventAsync(Exchanges.OrderCreated, firstOrder);

        // The same order again under a new message ID: a harmless duplicate, acknowledged.
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(requestId, firstOrder), requestId + "-m2");
        // Another order under the same requestId: refused with the reason.
        await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(requestId, requestId + "-b"), requestId + "-m3");

        var dead = await ErrorQueueEntryAsync(Exchanges.OrderSubmitted, requestId + "-m3");
        Assert.Contains("ConflictingDuplicateException", dead!.Value.Headers["MT-Fault-ExceptionType"], StringComparison.Ordinal);
        var reason = dead.Value.Headers["MT-Fault-Message"];
        Assert.Contains($"requestId '{requestId}' was already used by message '{requestId}-m1' for order '{firstOrder}'", reason, StringComparison.Ordinal);
        Assert.Contains($"orderId '{requestId}-b' instead of '{firstOrder}'", reason, StringComparison.Ordinal);
        Assert.Null(await service.Broker.TakeAsync(Queues.ErrorQueueFor(Exchanges.OrderSubmitted), requestId + "-m2"));
        Assert.Null(await service.ScalarAsync("SELECT order_id FROM oms.orders WHERE order_id = $1", requestId + "-b"));
    }
}
