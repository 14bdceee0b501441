using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>The inbound size limit is at most the broker's: a larger one would never be reached and only mislead.</summary>
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
    public void Defaults_AreHalfTheBrokersLimit_AndTheBrokersLimit()
    {
        var options = Read([]);

        Assert.Equal((512 * 1024, 1024 * 1024), (options.MaxMessageBytes, options.BrokerMaxMessageBytes));
    }

    [Fact]
    public void AnInboundLimitOverTheBrokers_IsRefusedAtStart_NamingBothSettings()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(new() { ["Messaging:MaxMessageBytes"] = "2097152" }));

        Assert.Contains("Messaging:MaxMessageBytes (2097152) must be at most Messaging:BrokerMaxMessageBytes (1048576)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALargerBroker_AllowsALargerInboundLimit()
    {
        var options = Read(new() { ["Messaging:MaxMessageBytes"] = "2097152", ["Messaging:BrokerMaxMessageBytes"] = "4194304" });

        Assert.Equal(2 * 1024 * 1024, options.MaxMessageBytes);
    }
}
