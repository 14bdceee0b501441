using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>
/// The inbound size limit leaves room under the broker's: a refused message is copied to its error queue with the
/// reason in headers, and a copy over the broker's max_message_size would be refused, bringing the message back for ever.
/// </summary>
public sealed class MessagingOptionsTests
{
    private static MessagingOptions Read(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        MessagingRegistration.AddMessagingOptions(services, configuration);
        return services.BuildServiceProvider().GetRequiredService<IOptions<MessagingOptions>>().Value;
    }

    [Fact]
    public void Defaults_LeaveTheErrorCopyRoomUnderTheBrokersLimit()
    {
        var options = Read([]);

        Assert.Equal((512 * 1024, 1024 * 1024), (options.MaxMessageBytes, options.BrokerMaxMessageBytes));
        Assert.True(options.MaxMessageBytes + MessagingOptions.ErrorHeadroomBytes <= options.BrokerMaxMessageBytes);
    }

    [Fact]
    public void AnInboundLimitAsLargeAsTheBrokers_IsRefusedAtStart_NamingBothSettings()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(new() { ["Messaging:MaxMessageBytes"] = "1048576" }));

        Assert.Contains("Messaging:MaxMessageBytes (1048576) must be at most Messaging:BrokerMaxMessageBytes (1048576) less 65536", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALargerBroker_AllowsALargerInboundLimit()
    {
        var options = Read(new() { ["Messaging:MaxMessageBytes"] = "1048576", ["Messaging:BrokerMaxMessageBytes"] = "4194304" });

        Assert.Equal(1024 * 1024, options.MaxMessageBytes);
    }
}
