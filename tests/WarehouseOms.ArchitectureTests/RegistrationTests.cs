using System.Reflection;
using System.Text.RegularExpressions;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging;
using WarehouseOms.Messaging.Cart;

namespace WarehouseOms.ArchitectureTests;

/// <summary>
/// The four places an exchange is named must agree, so that a registration cannot be forgotten: the
/// constant in <see cref="Exchanges"/>, the channel in docs/asyncapi.yaml, the consumer of an inbound
/// message, and that consumer's registration (<see cref="MessagingRegistration.AddInboundConsumers"/>,
/// with its endpoint definition or the cart endpoint). Each test names what is missing where.
/// </summary>
public sealed partial class RegistrationTests
{
    private static readonly Assembly MessagingAssembly = typeof(MessagingRegistration).Assembly;

    /// <summary>Exchange name → constant name (the constant names double as AsyncAPI message names).</summary>
    private static readonly Dictionary<string, string> Constants = typeof(Exchanges)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .ToDictionary(f => (string)f.GetRawConstantValue()!, f => f.Name);

    private static readonly IReadOnlyList<AsyncApiChannel> Channels = AsyncApiChannel.ReadAll(Path.Combine(AppContext.BaseDirectory, "asyncapi.yaml"));

    /// <summary>Every class of Messaging that consumes a message, with the message type.</summary>
    private static readonly IReadOnlyList<(Type Consumer, Type Message)> Consumers = MessagingAssembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false })
        .SelectMany(t => t.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
            .Select(i => (t, i.GetGenericArguments()[0])))
        .ToList();

    [Fact]
    public void EveryExchangeConstant_HasAnAsyncApiChannel_AndEveryChannelAConstant()
    {
        var channels = Channels.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(Constants.Keys.Where(e => !channels.Contains(e)).Select(e => $"Exchanges.{Constants[e]} ({e}) has no channel in docs/asyncapi.yaml"));
        Assert.Empty(channels.Where(c => !Constants.ContainsKey(c)).Select(c => $"docs/asyncapi.yaml channel {c} has no constant in Exchanges"));
    }

    [Fact]
    public void EveryAsyncApiChannel_NamesTheMessageOfItsConstant()
    {
        var wrong = Channels
            .Where(c => Constants.TryGetValue(c.Name, out var constant) && c.Message != constant)
            .Select(c => $"channel {c.Name}: message {c.Message}, expected {Constants[c.Name]}");

        Assert.Empty(wrong);
    }

    [Fact]
    public void EveryConsumer_IsRegistered()
    {
        var services = Registered();

        var missing = Consumers.Where(c => !services.Any(d => d.ServiceType == c.Consumer)).Select(c => c.Consumer.Name);

        Assert.Empty(missing);
    }

    [Fact]
    public void EveryInboundChannel_IsConsumedFromItsQueue_AndEveryConsumedExchangeIsAnInboundChannel()
    {
        var consumed = ConsumedExchanges();
        var inbound = Channels.Where(c => c.Inbound).ToDictionary(c => c.Name, StringComparer.Ordinal);

        Assert.Empty(inbound.Keys.Where(e => !consumed.ContainsKey(e)).Select(e => $"inbound channel {e} has no registered consumer"));
        Assert.Empty(consumed.Keys.Where(e => !inbound.ContainsKey(e)).Select(e => $"{consumed[e].Consumer} consumes {e}, which docs/asyncapi.yaml does not list as inbound (publish)"));
        Assert.Empty(consumed
            .Where(c => inbound.TryGetValue(c.Key, out var channel) && channel.Queue != c.Value.Queue)
            .Select(c => $"{c.Key}: consumed from {c.Value.Queue}, docs/asyncapi.yaml says {inbound[c.Key].Queue}"));
    }

    [Fact]
    public void EveryConsumer_ConsumesTheRecordNamedAfterItsExchange()
    {
        var wrong = ConsumedExchanges()
            .Where(c => c.Value.Message.Name != Constants[c.Key])
            .Select(c => $"{c.Value.Consumer} consumes {c.Value.Message.Name} from {c.Key} (Exchanges.{Constants[c.Key]})");

        Assert.Empty(wrong);
    }

    /// <summary>Exchange → consumer, message and queue, as the registration wires them.</summary>
    private static Dictionary<string, (string Consumer, Type Message, string Queue)> ConsumedExchanges()
    {
        var services = Registered();
        var result = new Dictionary<string, (string, Type, string)>(StringComparer.Ordinal);
        foreach (var (consumer, message) in Consumers)
        {
            // AddConsumer<TConsumer, TDefinition> registers the definition as itself and as IConsumerDefinition<TConsumer>.
            var definitionInterface = typeof(IConsumerDefinition<>).MakeGenericType(consumer);
            var definitionType = services.Any(d => d.ServiceType == definitionInterface)
                ? services.Select(d => d.ImplementationType).FirstOrDefault(t => t is not null && definitionInterface.IsAssignableFrom(t))
                : null;
            if (definitionType is not null)
            {
                // An endpoint of its own, named after its exchange: warehouse-oms.{exchange}.
                var definition = (IConsumerDefinition)Activator.CreateInstance(definitionType, Options.Create(new MessagingOptions()))!;
                var queue = definition.GetEndpointName(DefaultEndpointNameFormatter.Instance);
                result.Add(queue[Queues.Prefix.Length..], (consumer.Name, message, queue));
            }
            else if (CartTopology.Default.AllExchanges.SingleOrDefault(e => CartTopology.Default.MessageTypeOf(e) == message) is { } cartExchange)
            {
                result.Add(cartExchange, (consumer.Name, message, CartTopology.Default.Queue));
            }
            else
            {
                Assert.Fail($"{consumer.Name} has neither an endpoint definition nor a place on the cart endpoint: its messages would never arrive.");
            }
        }

        return result;
    }

    private static ServiceCollection Registered()
    {
        var services = new ServiceCollection();
        services.AddMassTransit(MessagingRegistration.AddInboundConsumers);
        return services;
    }

    /// <summary>A channel of docs/asyncapi.yaml (AsyncAPI 2: <c>publish</c> = the service consumes it).</summary>
    private sealed partial record AsyncApiChannel(string Name, bool Inbound, string? Queue, string? Message)
    {
        public static IReadOnlyList<AsyncApiChannel> ReadAll(string path)
        {
            var lines = File.ReadAllLines(path);
            var start = Array.IndexOf(lines, "channels:") + 1;
            var end = Array.FindIndex(lines, start, l => l.Length > 0 && !l.StartsWith(' '));
            var channels = new List<AsyncApiChannel>();
            for (var i = start; i < end; i++)
            {
                if (ChannelLine().Match(lines[i]) is not { Success: true } name)
                {
                    continue;
                }

                var next = Array.FindIndex(lines, i + 1, end - i - 1, l => ChannelLine().IsMatch(l));
                var body = lines[(i + 1)..(next < 0 ? end : next)];
                var queueAt = Array.FindIndex(body, l => l.Trim() == "queue:");
                channels.Add(new AsyncApiChannel(
                    name.Groups[1].Value,
                    body.Any(l => l == "    publish:"),
                    queueAt < 0 ? null : Value(body[queueAt + 1]),
                    body.Select(l => MessageRef().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value));
            }

            return channels;
        }

        private static string Value(string line) => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Trim('"');

        [GeneratedRegex(@"^  ([a-z][a-z0-9.-]*):$")]
        private static partial Regex ChannelLine();

        [GeneratedRegex("\"#/components/messages/([A-Za-z]+)\"")]
        private static partial Regex MessageRef();
    }
}
