using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.Messaging.Consumers;

/// <summary><c>payments.payment-approved</c> → signal approve-payment. approvedBy is required: the audit trail names who approved.</summary>
public sealed class PaymentApprovedConsumer(IOrderWorkflows gateway, ILogger<PaymentApprovedConsumer> logger)
    : FulfillmentSignalConsumer<PaymentApproved>(gateway, logger)
{
    protected override string Exchange => Exchanges.PaymentApproved;

    private protected override (string OrderId, Func<string, FulfillmentSignal> Signal) Read(PaymentApproved message, MessageChecks checks)
    {
        var orderId = checks.Required(message.OrderId, "orderId");
        var approvedBy = checks.Required(message.ApprovedBy, "approvedBy");
        return (orderId, messageId => wf => wf.ApprovePaymentAsync(new ApprovePaymentSignal(messageId, approvedBy)));
    }
}
