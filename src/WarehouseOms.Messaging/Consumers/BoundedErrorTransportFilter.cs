using MassTransit;
using MassTransit.Context;
using MassTransit.Transports;
using RabbitMQ.Client;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// MassTransit's error transport step (the message's copy to its <c>_error</c> queue, with the reason added to its
/// headers), except that the copy keeps at most <c>Messaging:MaxHeaderBytes</c> of the message's own headers: the
/// largest go first, and <see cref="DroppedHeadersHeader"/> names them with their sizes. Only a message refused for
/// its headers (<see cref="HeadersTooLargeException"/>) has more; copied whole, with the reason's headers on top, it
/// was over the broker's frame and closed the service's connection (ADR 0060).
/// </summary>
internal sealed class BoundedErrorTransportFilter(int maxHeaderBytes) : IFilter<ExceptionReceiveContext>
{
    /// <summary>On an error-queue copy whose largest headers were left out: their names and sizes.</summary>
    public const string DroppedHeadersHeader = "warehouse-oms-dropped-headers";

    private const int MaxNamed = 10;

    public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!context.TryGetPayload(out IErrorTransport? transport))
        {
            throw new TransportException(context.InputAddress, "The error transport was not available on the receive context.");
        }

        var copy = context.TryGetPayload(out RabbitMqBasicConsumeContext? delivery) && Trim(delivery.Properties) is { } trimmed
            ? new TrimmedExceptionReceiveContext(context, new TrimmedDelivery(delivery, trimmed))
            : context;
        await transport.Send(copy).ConfigureAwait(false);
        await next.Send(context).ConfigureAwait(false);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("boundedErrorTransport");

    /// <summary>The properties with the largest headers left out until the rest fit, or null when they fit already.</summary>
    private BasicProperties? Trim(IReadOnlyBasicProperties properties)
    {
        if (properties.Headers is not { } headers || HeaderSizeLimit.SizeOf(headers) is var total && total <= maxHeaderBytes)
        {
            return null;
        }

        var kept = new Dictionary<string, object?>(headers, StringComparer.Ordinal);
        var dropped = new List<string>();
        foreach (var (name, size) in headers.Select(h => (h.Key, Size: HeaderSizeLimit.SizeOf([h]))).OrderByDescending(h => h.Size))
        {
            if (total <= maxHeaderBytes)
            {
                break;
            }

            kept.Remove(name);
            total -= size;
            dropped.Add($"{LogText.Escape(name, 64)} ({size} bytes)");
        }

        // Named up to a few: a publisher may have sent thousands of small headers.
        kept[DroppedHeadersHeader] = string.Join(", ", dropped.Take(MaxNamed)) + (dropped.Count > MaxNamed ? $" and {dropped.Count - MaxNamed} more" : string.Empty);
        return new BasicProperties(properties) { Headers = kept };
    }

    private sealed class TrimmedDelivery(RabbitMqBasicConsumeContext delivery, IReadOnlyBasicProperties properties) : RabbitMqBasicConsumeContext
    {
        public string Exchange => delivery.Exchange;

        public string RoutingKey => delivery.RoutingKey ?? string.Empty;

        public string ConsumerTag => delivery.ConsumerTag;

        public ulong DeliveryTag => delivery.DeliveryTag;

        public IReadOnlyBasicProperties Properties => properties;
    }

    /// <summary>The error transport reads the delivery's properties from this payload: here, the trimmed ones.</summary>
    private sealed class TrimmedExceptionReceiveContext(ExceptionReceiveContext context, RabbitMqBasicConsumeContext delivery)
        : ReceiveContextProxy(context), ExceptionReceiveContext
    {
        public Exception Exception => context.Exception;

        public DateTime ExceptionTimestamp => context.ExceptionTimestamp;

        public ExceptionInfo ExceptionInfo => context.ExceptionInfo;

        public SendHeaders ExceptionHeaders => context.ExceptionHeaders;

        public override bool TryGetPayload<TPayload>(out TPayload payload)
            where TPayload : class
        {
            if (delivery is TPayload trimmed && typeof(TPayload) == typeof(RabbitMqBasicConsumeContext))
            {
                payload = trimmed;
                return true;
            }

            return base.TryGetPayload(out payload);
        }
    }
}
