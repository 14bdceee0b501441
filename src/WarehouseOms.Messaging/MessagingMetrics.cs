using System.Diagnostics.Metrics;
using System.Runtime.Serialization;
using System.Text.Json;
using MassTransit;
using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Temporal;

namespace WarehouseOms.Messaging;

/// <summary>
/// The service's own instruments on the meter <see cref="MeterName"/> (ADR 0022) that belong to messaging:
/// messages moved to an error queue, by queue and reason. Recorded whether or not an exporter listens
/// (an unobserved instrument costs next to nothing).
/// </summary>
public static class MessagingMetrics
{
    /// <summary>The service's meter; every module's own instruments use this name.</summary>
    public const string MeterName = "WarehouseOms";

    public const string DeadLetteredName = "warehouse_oms.messages.dead_lettered";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>(
        DeadLetteredName, "{message}", "Inbound messages moved to an error queue, by queue and reason");

    /// <summary>
    /// The reason class of a failure that sent a message to the error queue: a short, fixed set (labels
    /// must not grow with message content); the full reason stays in the message's fault headers.
    /// </summary>
    public static string ReasonOf(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case MessageTooLargeException or HeadersTooLargeException:
                    return "too_large";
                case MessageValidationException:
                    return "invalid";
                case ConflictingDuplicateException:
                    return "conflicting_duplicate";
                case WorkflowNotFoundException:
                    return "workflow_not_found";
                case TemporalUnavailableException or System.Data.Common.DbException or TimeoutException:
                    return "unavailable";
                case JsonException:
                    return "malformed";
            }
        }

        return exception is SerializationException ? "malformed" : "other";
    }

    internal static void RecordDeadLettered(string queue, Exception exception) =>
        DeadLettered.Add(1, new KeyValuePair<string, object?>("queue", queue), new KeyValuePair<string, object?>("reason", ReasonOf(exception)));
}

/// <summary>Counts each message the error pipe moves to the error queue (<see cref="MessagingMetrics"/>).</summary>
internal sealed class DeadLetterCountFilter : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        // The queue is the input address's last segment (rabbitmq://host/vhost/queue).
        MessagingMetrics.RecordDeadLettered(context.InputAddress.Segments[^1], context.Exception);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("deadLetterCount");
}
