using System.Collections.Concurrent;
using System.Globalization;
using WarehouseOms.Contracts;
using Xunit.Abstractions;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// Issue 9, at volume: over a thousand hostile messages across every inbound exchange (oversize bodies,
/// NUL / newline / control characters and over-long identifiers, malformed JSON, wrong types, missing
/// fields, picks / packs / cancels / approvals / line additions / deliveries for unknown orders,
/// conflicting and true duplicates) with valid orders in between. Every bad message gets an answer with a
/// reason, every valid order ships, a valid pick behind unknown-order picks is applied while they wait,
/// and the process's resident memory stays under <see cref="RssBoundBytes"/>.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class HostileFloodTests(ServiceFixture service, ITestOutputHelper output)
{
    /// <summary>
    /// The stated bound for the whole test process: the service, its embedded Temporal engine and SDK
    /// workers, and this test's own bookkeeping. Inbound memory is bounded by prefetch × endpoints × 1 MiB.
    /// </summary>
    private const long RssBoundBytes = 1024L * 1024 * 1024;

    private const int Rounds = 12;

    private static readonly string[] SignalExchanges =
    [
        Exchanges.PickCompleted, Exchanges.PackCompleted, Exchanges.OrderCancellationRequested,
        Exchanges.PaymentApproved, Exchanges.OrderLineAdded, Exchanges.ShipmentDelivered,
    ];

    private static readonly string[] CartExchanges = [Exchanges.CartItemsAdded, Exchanges.CartItemsRemoved, Exchanges.CartReset, Exchanges.CartCheckedOut];

    private static readonly string[] InboundExchanges = [Exchanges.StockReceived, Exchanges.OrderSubmitted, .. SignalExchanges, .. CartExchanges];

    private const string ShipTo = """{"name":"Ada","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}""";

    /// <summary>A well-formed body for <paramref name="exchange"/> whose identifier is <paramref name="idJson"/> (JSON string content).</summary>
    private static string Body(string exchange, string idJson) => exchange switch
    {
        Exchanges.StockReceived => $$"""{"receiptId":"{{idJson}}","sku":"WIDGET-RED","quantity":1}""",
        Exchanges.OrderSubmitted => OrderJson(idJson + "-req", idJson),
        Exchanges.PickCompleted => $$"""{"orderId":"{{idJson}}","deviceId":"scanner-1","lines":[{"sku":"WIDGET-RED","quantity":1}]}""",
        Exchanges.PackCompleted => $$"""{"orderId":"{{idJson}}","deviceId":"station-1","packages":[{"packageId":"PKG-1","weightKg":1.5}]}""",
        Exchanges.OrderCancellationRequested => $$"""{"orderId":"{{idJson}}","reason":"customer changed mind"}""",
        Exchanges.PaymentApproved => $$"""{"orderId":"{{idJson}}","approvedBy":"flood"}""",
        Exchanges.OrderLineAdded => $$"""{"orderId":"{{idJson}}","sku":"WIDGET-RED","quantity":1}""",
        Exchanges.ShipmentDelivered => $$"""{"orderId":"{{idJson}}","deliveredAt":"2026-11-24T09:30:00Z"}""",
        Exchanges.CartItemsAdded or Exchanges.CartItemsRemoved => $$"""{"customerId":"{{idJson}}","items":[{"sku":"WIDGET-RED","quantity":1}]}""",
        Exchanges.CartReset => $$"""{"customerId":"{{idJson}}"}""",
        Exchanges.CartCheckedOut => $$"""{"customerId":"{{idJson}}","requestId":"flood-checkout","shipTo":{{ShipTo}}}""",
        _ => throw new ArgumentOutOfRangeException(nameof(exchange), exchange, null),
    };

    private static string OrderJson(string requestId, string orderId) =>
        $$"""{"requestId":"{{requestId}}","orderId":"{{orderId}}","customerId":"C1","lines":[{"sku":"WIDGET-RED","quantity":1}],"shipTo":{{ShipTo}}}""";

    private static string ErrorQueueOf(string exchange) => CartExchanges.Contains(exchange) ? Queues.CartError : Queues.ErrorQueueFor(exchange);

    /// <summary>A bad message: where its answer lands and what the reason must say.</summary>
    private sealed record Expected(string Queue, string Reason);

    private readonly ConcurrentDictionary<string, Expected> expected = new();
    private readonly Dictionary<string, IDictionary<string, string>> answered = [];
    private long maxRss;

    private async Task PublishBadAsync(string exchange, string json, string messageId, string reason)
    {
        expected[messageId] = new Expected(ErrorQueueOf(exchange), reason);
        await service.Broker.PublishRawAsync(exchange, json, messageId);
    }

    [Fact]
    public async Task OverAThousandHostileMessages_EachAnsweredWithAReason_ValidOrdersShip_PickBehindOrphansApplied_MemoryBounded()
    {
        var run = TestIds.Unique("FL");
        var valid = Enumerable.Range(0, Rounds).Select(r => $"{run}-ok{r}").ToList();
        var flows = new List<Task>();

        for (var round = 0; round < Rounds; round++)
        {
            // A valid order first in every round, then the hostile traffic around it.
            await service.Broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(valid[round] + "-req", valid[round]), valid[round] + "-submit");
            flows.Add(ShipAsync(valid[round], behindOrphans: round == Rounds / 2));

            foreach (var exchange in InboundExchanges)
            {
                var id = $"{run}-r{round}-{exchange}";
                await PublishBadAsync(exchange, Body(exchange, id)[..20], id + "-malformed", string.Empty);
                await PublishBadAsync(exchange, """{"orderId":123,"requestId":123,"customerId":123,"receiptId":123,"lines":"x","items":"x","quantity":"x"}""", id + "-types", string.Empty);
                await PublishBadAsync(exchange, "{}", id + "-missing", "is required");
                await PublishBadAsync(exchange, Body(exchange, id + "\\u0000"), id + "-nul", "U+0000");
                await PublishBadAsync(exchange, Body(exchange, id + "\\n2026-11-30 [INF] forged"), id + "-newline", "U+000A");
                await PublishBadAsync(exchange, Body(exchange, id + "\\u0007"), id + "-bel", "U+0007");
                await PublishBadAsync(exchange, Body(exchange, id + new string('x', 129)), id + "-long", "must be at most 128 characters");
                if (round == 0)
                {
                    var huge = Body(exchange, id).Insert(1, $"\"padding\":\"{new string('p', ServiceFixture.MaxMessageBytes)}\",");
                    await PublishBadAsync(exchange, huge, id + "-huge", "Messaging:MaxMessageBytes");
                }

                if (SignalExchanges.Contains(exchange))
                {
                    await PublishBadAsync(exchange, Body(exchange, id + "-unknown"), id + "-unknown", "workflow not found");
                }
            }

            SampleRss();
        }

        // The flows publish bad messages of their own (picks of unknown orders) as they go: every answer
        // is counted once they are all sent.
        await Task.WhenAll(flows);
        await Eventually.UntilAsync(DrainAnswersAsync, missing => missing == 0, "an answer for every hostile message", TimeSpan.FromMinutes(4));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{expected.Count} hostile messages answered; max RSS {maxRss / (1024 * 1024)} MiB"));
        Assert.True(expected.Count >= 1000, $"only {expected.Count} hostile messages");
        foreach (var (messageId, bad) in expected)
        {
            var reason = answered[messageId].TryGetValue("MT-Fault-Message", out var text) ? text : string.Empty;
            Assert.False(string.IsNullOrWhiteSpace(reason), $"{messageId} has no reason");
            Assert.Contains(bad.Reason, reason, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', reason);
            Assert.DoesNotContain('\0', reason);
        }

        Assert.InRange(maxRss, 1, RssBoundBytes);
    }

    /// <summary>
    /// Takes a valid order to SHIPPED; on the way, its conflicting and true duplicates, which get their answers
    /// (error queue, order-rejected, acknowledged). With <paramref name="behindOrphans"/> its pick is queued behind 40 picks of unknown orders.
    /// </summary>
    private async Task ShipAsync(string orderId, bool behindOrphans)
    {
        var broker = service.Broker;
        await broker.EventAsync(Exchanges.OrderCreated, orderId, TimeSpan.FromMinutes(3));

        // True duplicate: the same message again; conflicting duplicates: another order under the same
        // requestId (error queue), the same orderId under a new requestId (order-rejected).
        await broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(orderId + "-req", orderId), orderId + "-submit");
        await PublishBadAsync(Exchanges.OrderSubmitted, OrderJson(orderId + "-req", orderId + "-other"), orderId + "-conflict", "was already used by message");
        await broker.PublishRawAsync(Exchanges.OrderSubmitted, OrderJson(orderId + "-req2", orderId), orderId + "-reuse");

        await service.ApprovePaymentAsync(orderId);
        await broker.EventAsync(Exchanges.PickWaveCreated, orderId, TimeSpan.FromMinutes(3));
        if (behindOrphans)
        {
            for (var i = 0; i < 40; i++)
            {
                await PublishBadAsync(Exchanges.PickCompleted, Body(Exchanges.PickCompleted, $"{orderId}-orphan{i}"), $"{orderId}-orphan{i}", "workflow not found");
            }
        }

        await broker.PublishRawAsync(Exchanges.PickCompleted, Body(Exchanges.PickCompleted, orderId), orderId + "-pick");
        await broker.EventAsync(Exchanges.OrderPicked, orderId, TimeSpan.FromMinutes(3));
        await broker.PublishRawAsync(Exchanges.PackCompleted, Body(Exchanges.PackCompleted, orderId), orderId + "-pack");
        await broker.EventAsync(Exchanges.OrderShipped, orderId, TimeSpan.FromMinutes(3));

        var rejected = await Eventually.UntilAsync(
            () => Task.FromResult(broker.For(Exchanges.OrderRejected, orderId).FirstOrDefault(m => m.Body.GetProperty("requestId").GetString() == orderId + "-req2")),
            m => m is not null,
            $"order-rejected for {orderId} under a second requestId");
        Assert.Contains("already exists", rejected!.Body.GetProperty("reasons")[0].GetString(), StringComparison.Ordinal);
        Assert.Single(broker.For(Exchanges.OrderCreated, orderId).DistinctBy(m => m.MessageId));
    }

    /// <summary>Moves what the error queues hold into <see cref="answered"/>; returns how many expected answers are still missing.</summary>
    private async Task<int> DrainAnswersAsync()
    {
        SampleRss();
        foreach (var queue in expected.Values.Select(e => e.Queue).Distinct())
        {
            foreach (var (messageId, headers) in await service.Broker.DrainAsync(queue))
            {
                if (messageId is not null)
                {
                    answered[messageId] = headers;
                }
            }
        }

        return expected.Keys.Count(id => !answered.ContainsKey(id));
    }

    private void SampleRss()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        maxRss = Math.Max(maxRss, kib * 1024);
    }
}
