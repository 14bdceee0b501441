using System.Data.Common;
using MassTransit;
using WarehouseOms.Temporal;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// What an outage of a dependency (Temporal, PostgreSQL) does to inbound messages: retried on the spot for
/// <c>Messaging:Transient*</c>, then the message goes back to its queue (never to the error queue) and the
/// endpoint's kill switch stops consuming for <c>Messaging:OutagePause</c>; it then starts again by itself and
/// stops again at the first message that still meets the outage. A long outage therefore leaves every
/// message on the broker instead of draining the queues into <c>_error</c> (ADR 0017).
/// </summary>
public static class OutagePolicy
{
    /// <summary>
    /// True when <paramref name="exception"/> says "a dependency is down, try later" rather than "this message is
    /// wrong": it or an exception it wraps (EF Core wraps a refused database connection in its own
    /// InvalidOperationException) is an outage.
    /// </summary>
    public static bool IsOutage(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TemporalUnavailableException or TimeoutException or System.Net.Sockets.SocketException ||
                e is DbException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Installs the kill switch on every receive endpoint configured after this call: the first message that
    /// fails with an outage (after its retries) stops the endpoint for <see cref="MessagingOptions.OutagePause"/>.
    /// </summary>
    public static void UseOutageKillSwitch(IBusFactoryConfigurator bus, MessagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.OutageKillSwitch)
        {
            return;
        }

        bus.UseKillSwitch(kill => kill
            // Only outages count, and one is enough: the threshold is on outage faults, which never fall
            // to an ordinary share of the traffic.
            .SetActivationThreshold(1)
            .SetTripThreshold(0)
            .SetTrackingPeriod(TimeSpan.FromMinutes(1))
            .SetRestartTimeout(options.OutagePause)
            .SetExceptionFilter(filter => filter.Handle<Exception>(IsOutage)));
    }

    /// <summary>
    /// The error pipe of an inbound endpoint: an outage (or a delivery cut short by the endpoint stopping) is
    /// handed back to the broker (NACK with requeue), anything else gets MassTransit's default treatment
    /// (<c>Fault&lt;T&gt;</c>, the message moved to <c>_error</c> with the reason, its own headers bounded by
    /// <paramref name="maxHeaderBytes"/>), after <paramref name="headers"/>.
    /// </summary>
    public static void ConfigureErrorPipe(IReceiveEndpointConfigurator endpoint, int maxHeaderBytes, IFilter<ExceptionReceiveContext>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.ConfigureError(error =>
        {
            error.UseFilter(new RequeueOnOutageFilter());
            if (headers is not null)
            {
                error.UseFilter(headers);
            }

            // Each message that does reach the error queue is counted by reason (telemetry).
            error.UseFilter(new DeadLetterCountFilter());
            error.UseFilter(new MassTransit.Middleware.GenerateFaultFilter());
            // MassTransit's error transport step, with the copy's headers bounded (a message refused for its headers).
            error.UseFilter(new BoundedErrorTransportFilter(maxHeaderBytes));
        });
    }
}

/// <summary>
/// Rethrows an outage instead of moving the message to the error queue: the transport then returns it to
/// its queue (RabbitMQ: basic.nack with requeue), where it waits for the endpoint to start again.
/// </summary>
internal sealed class RequeueOnOutageFilter : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        var stopping = context.Exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested;
        if (OutagePolicy.IsOutage(context.Exception) || stopping)
        {
            LogContext.Warning?.Log(
                "Outage: message {MessageId} on {InputAddress} goes back to its queue ({Reason})",
                context.GetMessageId(), context.InputAddress, stopping ? "endpoint stopping" : context.Exception.Message);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(context.Exception).Throw();
        }

        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("requeueOnOutage");
}
