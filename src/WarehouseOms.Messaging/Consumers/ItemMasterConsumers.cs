using MassTransit;
using Microsoft.Extensions.Logging;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Persistence.Inventory;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// <c>ims.sku-registered</c> → the item master (idempotent by message ID and content). A definition that
/// breaks a rule (an unregistered or retired component, a cycle, a kit becoming stocked) goes to the error
/// queue with the reason.
/// </summary>
public sealed class SkuRegisteredConsumer(IItemCatalog catalog, ILogger<SkuRegisteredConsumer> logger) : IConsumer<SkuRegistered>
{
    public async Task Consume(ConsumeContext<SkuRegistered> context)
    {
        var definition = Validate(context.Message);
        var messageId = MessageIds.For(context);
        using var scope = ItemMasterLog.Scope(logger, messageId, definition.Sku);
        var change = await catalog.RegisterAsync(definition, messageId, context.CancellationToken).ConfigureAwait(false);
        ItemMasterLog.Applied(logger, Exchanges.SkuRegistered, definition.Sku, change);
    }

    /// <summary>The message as a definition, or every problem in a <see cref="MessageValidationException"/>.</summary>
    public static ItemDefinition Validate(SkuRegistered message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var checks = new MessageChecks(Exchanges.SkuRegistered);
        var sku = checks.Required(message.Sku, "sku");
        var name = checks.Text(message.Name, "name");
        if (name is null && !string.IsNullOrWhiteSpace(sku))
        {
            checks.Add("name is required");
        }

        var components = new List<SkuQuantity>();
        if (message.Components is { } listed && checks.AtMost(listed, "components"))
        {
            for (var i = 0; i < listed.Count; i++)
            {
                if (listed[i] is not { } component)
                {
                    checks.Add($"components[{i}] is null");
                    continue;
                }

                var componentSku = checks.Required(component.Sku, $"components[{i}].sku");
                var quantity = checks.Positive(component.Quantity, $"components[{i}].quantity");
                if (componentSku.Length > 0 && components.Any(c => c.Sku == componentSku))
                {
                    checks.Add($"components[{i}].sku {LogText.Escape(componentSku)} is listed twice");
                }

                components.Add(new SkuQuantity(componentSku, quantity));
            }
        }

        if (message.Components is { Count: 0 })
        {
            checks.Add("components must not be empty when present (leave it out for a stocked item)");
        }

        // Kits have no stock of their own: their reorder policy is optional and ignored.
        var reorderPoint = components.Count > 0 && message.ReorderPoint is null ? 0 : checks.NonNegative(message.ReorderPoint, "reorderPoint");
        var reorderQuantity = components.Count > 0 && message.ReorderQuantity is null ? 0 : checks.NonNegative(message.ReorderQuantity, "reorderQuantity");
        checks.ThrowIfInvalid();
        return new ItemDefinition(sku, name!, reorderPoint, reorderQuantity, components);
    }
}

/// <summary><c>ims.sku-retired</c> → the item master. Retiring an unregistered SKU goes to the error queue.</summary>
public sealed class SkuRetiredConsumer(IItemCatalog catalog, ILogger<SkuRetiredConsumer> logger) : IConsumer<SkuRetired>
{
    public async Task Consume(ConsumeContext<SkuRetired> context)
    {
        var checks = new MessageChecks(Exchanges.SkuRetired);
        var sku = checks.Required(context.Message.Sku, "sku");
        checks.ThrowIfInvalid();
        var messageId = MessageIds.For(context);
        using var scope = ItemMasterLog.Scope(logger, messageId, sku);
        var change = await catalog.RetireAsync(sku, messageId, context.CancellationToken).ConfigureAwait(false);
        ItemMasterLog.Applied(logger, Exchanges.SkuRetired, sku, change);
    }
}

internal static partial class ItemMasterLog
{
    public static IDisposable? Scope(ILogger logger, string messageId, string sku) =>
        logger.BeginScope(new Dictionary<string, object?>
        {
            ["MessageId"] = LogText.Escape(messageId),
            ["Sku"] = LogText.Escape(sku),
        });

    public static void Applied(ILogger logger, string exchange, string sku, ItemChange change) =>
        LogApplied(logger, exchange, LogText.Escape(sku), change);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Exchange} for SKU {Sku}: {Change}")]
    private static partial void LogApplied(ILogger logger, string exchange, string sku, ItemChange change);
}
