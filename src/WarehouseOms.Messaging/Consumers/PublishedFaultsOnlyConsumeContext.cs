using MassTransit;
using MassTransit.Serialization;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// An inbound message's consume context without the publisher's reply addresses (MassTransit's <c>MT-Fault-Address</c>
/// and <c>MT-Response-Address</c>, or an envelope's <c>faultAddress</c>/<c>responseAddress</c>). MassTransit sends a
/// refused message's <c>Fault&lt;T&gt;</c> to such an address instead of publishing it: an exchange the service's broker
/// user may not write to closed the channel (403) and the message came back for ever, and one it may write to let any
/// publisher put Faults on an exchange of its choosing, an outbound one included. No consumer here answers a request,
/// so the addresses have no other use; every Fault is published to MassTransit's fault exchange (ADR 0058).
/// </summary>
internal sealed class PublishedFaultsOnlyConsumeContext(ReceiveContext receiveContext, SerializerContext serializerContext)
    : BodyConsumeContext(receiveContext, serializerContext)
{
    public override Uri FaultAddress => null!;

    public override Uri ResponseAddress => null!;
}
