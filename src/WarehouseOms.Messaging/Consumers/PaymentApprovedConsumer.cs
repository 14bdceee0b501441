using MassTransit;
using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>payments.payment-approved</c> → signal approve-payment. approvedBy is required: the audit trail names who approved.</summary>
public sealed class PaymentApprovedConsumer(IWorkflowGateway gateway, ILogger<PaymentApprovedConsumer> logger) : IConsumer<PaymentApproved>
{
    public Task Consume(ConsumeContext<PaymentApproved> context)
    {
        var message = context.Message;
        var checks = new MessageChecks(Exchanges.PaymentApproved);
        var orderId = checks.Required(message.OrderId, "orderId");
        var approvedBy = checks.Required(message.ApprovedBy, "approvedBy");
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        var signal = new ApprovePaymentSignal(messageId, approvedBy);
        return FulfillmentSignalSender.SendAsync(gateway, logger, orderId, messageId, SignalNames.ApprovePayment, signal, context.CancellationToken);
    }
}
