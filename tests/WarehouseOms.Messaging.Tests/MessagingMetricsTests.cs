using WarehouseOms.Messaging.Consumers;
using Xunit;

namespace WarehouseOms.Messaging.Tests;

public sealed class MessagingMetricsTests
{
    public static TheoryData<Exception, string> Reasons => new()
    {
        { new MessageTooLargeException(2048, 1024), "too_large" },
        { new HeadersTooLargeException(2048, 1024), "too_large" },
        { new InvalidOperationException("wrapped", new HeadersTooLargeException(2048, 1024)), "too_large" },
        { new System.Text.Json.JsonException("bad"), "malformed" },
        { new InvalidOperationException("anything else"), "other" },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void ReasonOf_NamesTheClassOfTheRefusal(Exception refusal, string reason) =>
        Assert.Equal(reason, MessagingMetrics.ReasonOf(refusal));
}
