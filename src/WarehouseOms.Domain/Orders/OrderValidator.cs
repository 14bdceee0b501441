using System.Text.RegularExpressions;
using WarehouseOms.Domain.Pricing;

namespace WarehouseOms.Domain.Orders;

// Input shapes of an order as submitted: every field may be missing, validation says which.
public sealed record OrderDraftLine(string? Sku, int? Quantity, decimal? UnitPrice = null);

public sealed record OrderDraftAddress(string? Name, string? Line1, string? City, string? PostalCode, string? Country);

public sealed record OrderDraft(
    string? RequestId,
    string? OrderId,
    string? CustomerId,
    IReadOnlyList<OrderDraftLine?>? Lines,
    OrderDraftAddress? ShipTo,
    string? Currency = null);

/// <summary>
/// Structural validation of a submitted order. Returns every problem at once (an upstream system fixes
/// them in one go); an empty list means valid. Stock and SKU existence are not checked here: that is
/// inventory's decision at allocation.
/// </summary>
public static partial class OrderValidator
{
    public const int MaxLines = 200;
    public const int MaxQuantityPerLine = 10_000;
    public const int MaxIdLength = 64;

    public static IReadOnlyList<string> Validate(OrderDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var reasons = new List<string>();

        // IDs become workflow IDs and AMQP keys: a restricted alphabet keeps them safe and free of personal data.
        RequireId(draft.RequestId, "requestId", reasons);
        RequireId(draft.OrderId, "orderId", reasons);
        RequireId(draft.CustomerId, "customerId", reasons);

        if (draft.Lines is null || draft.Lines.Count == 0)
        {
            reasons.Add("lines: at least one line is required.");
        }
        else if (draft.Lines.Count > MaxLines)
        {
            reasons.Add($"lines: at most {MaxLines} lines are allowed, got {draft.Lines.Count}.");
        }
        else
        {
            for (var i = 0; i < draft.Lines.Count; i++)
            {
                ValidateLine(draft.Lines[i], i, reasons);
            }
        }

        ValidateAddress(draft.ShipTo, reasons);
        if (draft.Lines is { Count: > 0 and <= MaxLines } lines)
        {
            reasons.AddRange(OrderPricing.Validate(draft.Currency, [.. lines.Select(l => new SubmittedPrice(l?.Sku, l?.UnitPrice))]));
        }

        return reasons;
    }

    private static void ValidateLine(OrderDraftLine? line, int index, List<string> reasons)
    {
        if (line is null)
        {
            reasons.Add($"lines[{index}]: line is missing.");
            return;
        }

        if (string.IsNullOrWhiteSpace(line.Sku))
        {
            reasons.Add($"lines[{index}].sku: is required.");
        }

        if (line.Quantity is null)
        {
            reasons.Add($"lines[{index}].quantity: is required.");
        }
        else if (line.Quantity <= 0)
        {
            reasons.Add($"lines[{index}].quantity: must be positive, got {line.Quantity}.");
        }
        else if (line.Quantity > MaxQuantityPerLine)
        {
            reasons.Add($"lines[{index}].quantity: at most {MaxQuantityPerLine}, got {line.Quantity}.");
        }
    }

    private static void ValidateAddress(OrderDraftAddress? shipTo, List<string> reasons)
    {
        if (shipTo is null)
        {
            reasons.Add("shipTo: is required.");
            return;
        }

        Require(shipTo.Name, "shipTo.name", reasons);
        Require(shipTo.Line1, "shipTo.line1", reasons);
        Require(shipTo.City, "shipTo.city", reasons);
        Require(shipTo.PostalCode, "shipTo.postalCode", reasons);
        if (string.IsNullOrWhiteSpace(shipTo.Country))
        {
            reasons.Add("shipTo.country: is required.");
        }
        else if (!CountryCode().IsMatch(shipTo.Country))
        {
            reasons.Add($"shipTo.country: must be an ISO 3166-1 alpha-2 code, got '{shipTo.Country}'.");
        }
    }

    private static void Require(string? value, string field, List<string> reasons)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            reasons.Add($"{field}: is required.");
        }
    }

    private static void RequireId(string? value, string field, List<string> reasons)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            reasons.Add($"{field}: is required.");
        }
        else if (value.Length > MaxIdLength || !IdPattern().IsMatch(value))
        {
            reasons.Add($"{field}: must be 1-{MaxIdLength} characters of letters, digits, '.', '_' or '-'.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryCode();
}
