using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>payments.payment-approved</c> → signal approve-payment. approvedBy is required: the audit trail names who approved.</summary>
public sealed class PaymentApprovedConsumer(IWorkflowGateway gateway, ILogger<PaymentApprovedConsumer> logger)
    : FulfillmentSignalConsumer<PaymentApproved>(gateway, logger)
{
    protected override string Exchange => Exchanges.PaymentApproved;

    protected override string SignalName => SignalNames.ApprovePayment;

    private protected override (string OrderId, Func<string, object> Signal) Read(PaymentApproved message, MessageChecks checks)
    {
        var orderId = checks.Required(message.OrderId, "orderId");
        var approvedBy = checks.Required(message.ApprovedBy, "approvedBy");
        return (orderId, messageId => new ApprovePaymentSignal(messageId, approvedBy));
    }
}
