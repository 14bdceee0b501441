using System.Text.Json;

namespace WarehouseOms.Benchmarks;

/// <summary>
/// Raw JSON as upstream systems and warehouse devices publish it (field names of Contracts/Inbound.cs),
/// written out here rather than serialised from the contract records, as a non-.NET publisher would.
/// Lines depend only on the index, so the pick of an order can repeat them without keeping state.
/// </summary>
public static class OrderMessages
{
    private const string WidgetRed = "WIDGET-RED";
    private const string Gadget = "GADGET";

    public static string OrderId(string tag, int index) => $"BENCH-{tag}-{index:D6}";

    /// <summary>Every third order has two lines; quantities 1 or 2.</summary>
    private static object[] Lines(int index)
    {
        var quantity = 1 + (index % 2);
        return index % 3 == 0
            ? [new { sku = WidgetRed, quantity }, new { sku = Gadget, quantity = 1 }]
            : [new { sku = index % 2 == 0 ? WidgetRed : Gadget, quantity }];
    }

    public static byte[] Submitted(string orderId, int index) => Json(new
    {
        requestId = orderId + "-req",
        orderId,
        customerId = $"CUST-BENCH-{index % 50:D2}",
        lines = Lines(index),
        shipTo = new { name = "Ada Lovelace", line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
    });

    public static byte[] PickCompleted(string orderId, int index) => Json(new { orderId, deviceId = "bench-scanner", lines = Lines(index) });

    public static byte[] PackCompleted(string orderId) =>
        Json(new { orderId, deviceId = "bench-station", packages = new[] { new { packageId = "PKG-" + orderId, weightKg = 1.25m } } });

    public static byte[] ShipmentDelivered(string orderId) => Json(new { orderId, deliveredAt = DateTimeOffset.UtcNow });

    private static byte[] Json(object message) => JsonSerializer.SerializeToUtf8Bytes(message, JsonSerializerOptions.Web);
}
