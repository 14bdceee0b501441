using System.Linq.Expressions;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WarehouseOms.Contracts;
using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Cart;

namespace WarehouseOms.Messaging.Cart;

// oms.cart-* → signal-with-start of cart-{customerId}. All four consumers share the one receive endpoint
// warehouse-oms.cart (CartEndpoint), which hands them a customer's messages one at a time, in publish
// order. The cart workflow de-duplicates by message ID, so a redelivery is harmless; invalid messages go
// to warehouse-oms.cart_error (MessageValidationException).

/// <summary><c>oms.cart-items-added</c> → AddItems.</summary>
public sealed class CartItemsAddedConsumer(ICartWorkflows gateway, ILogger<CartItemsAddedConsumer> logger) : IConsumer<CartItemsAdded>
{
    public Task Consume(ConsumeContext<CartItemsAdded> context)
    {
        var checks = new MessageChecks(Exchanges.CartItemsAdded);
        var customerId = checks.Required(context.Message.CustomerId, "customerId");
        var items = CartMessages.Items(checks, context.Message.Items);
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        return CartMessages.SendAsync(gateway, logger, customerId, messageId, wf => wf.AddItemsAsync(new CartItemsSignal(messageId, items)), context.CancellationToken);
    }
}

/// <summary><c>oms.cart-items-removed</c> → RemoveItems.</summary>
public sealed class CartItemsRemovedConsumer(ICartWorkflows gateway, ILogger<CartItemsRemovedConsumer> logger) : IConsumer<CartItemsRemoved>
{
    public Task Consume(ConsumeContext<CartItemsRemoved> context)
    {
        var checks = new MessageChecks(Exchanges.CartItemsRemoved);
        var customerId = checks.Required(context.Message.CustomerId, "customerId");
        var items = CartMessages.Items(checks, context.Message.Items);
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        return CartMessages.SendAsync(gateway, logger, customerId, messageId, wf => wf.RemoveItemsAsync(new CartItemsSignal(messageId, items)), context.CancellationToken);
    }
}

/// <summary><c>oms.cart-reset</c> → Reset.</summary>
public sealed class CartResetConsumer(ICartWorkflows gateway, ILogger<CartResetConsumer> logger) : IConsumer<CartReset>
{
    public Task Consume(ConsumeContext<CartReset> context)
    {
        var checks = new MessageChecks(Exchanges.CartReset);
        var customerId = checks.Required(context.Message.CustomerId, "customerId");
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        return CartMessages.SendAsync(gateway, logger, customerId, messageId, wf => wf.ResetAsync(new CartResetSignal(messageId)), context.CancellationToken);
    }
}

/// <summary>
/// <c>oms.cart-checked-out</c> → Checkout: the cart submits its items as order intake
/// <c>order-intake-{requestId}</c>. Only customerId and requestId are checked here (and that the address
/// holds printable, bounded text); the address is validated by the intake's ValidateOrder, which answers
/// with order-rejected like any other order. Checkout carries the order settings of this moment (payment
/// approval ...) into the order it creates.
/// </summary>
public sealed class CartCheckedOutConsumer(ICartWorkflows gateway, IOptions<FulfillmentSettings> fulfillment, ILogger<CartCheckedOutConsumer> logger)
    : IConsumer<CartCheckedOut>
{
    public Task Consume(ConsumeContext<CartCheckedOut> context)
    {
        var checks = new MessageChecks(Exchanges.CartCheckedOut);
        var customerId = checks.Required(context.Message.CustomerId, "customerId");
        var requestId = checks.Required(context.Message.RequestId, "requestId");
        checks.Address(context.Message.ShipTo, "shipTo");
        checks.ThrowIfInvalid();

        var messageId = MessageIds.For(context);
        return CartMessages.SendAsync(
            gateway, logger, customerId, messageId, wf => wf.CheckoutAsync(new CartCheckoutSignal(messageId, requestId, context.Message.ShipTo, fulfillment.Value.ToWorkflowOptions())),
            context.CancellationToken);
    }
}

/// <summary>The shared parts of the cart consumers.</summary>
internal static class CartMessages
{
    public static List<LineItem> Items(MessageChecks checks, IReadOnlyList<OrderLine?>? lines) =>
        checks.NonEmpty(lines, "items")
            .Select((line, i) => new LineItem(checks.Required(line.Sku, $"items[{i}].sku"), checks.Positive(line.Quantity, $"items[{i}].quantity")))
            .ToList();

    public static async Task SendAsync(
        ICartWorkflows gateway,
        ILogger logger,
        string customerId,
        string messageId,
        Expression<Func<CartWorkflow, Task>> signal,
        CancellationToken cancellationToken)
    {
        var workflowId = WorkflowIds.Cart(customerId);
        var signalName = WorkflowCalls.SignalName(signal);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["MessageId"] = LogText.Escape(messageId),
            ["CustomerId"] = LogText.Escape(customerId),
            ["WorkflowId"] = LogText.Escape(workflowId),
        });

        await gateway.SignalAsync(customerId, signal, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("{SignalName} delivered to {WorkflowId}", signalName, LogText.Escape(workflowId));
    }
}
