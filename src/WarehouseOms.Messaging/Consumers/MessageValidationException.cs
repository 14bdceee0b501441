namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// The message can never be processed as it is (missing fields, non-positive quantities, identifiers that
/// are too long or unprintable, too many items). Not retried:
/// MassTransit moves it to the endpoint's error queue with this message in the fault headers.
/// </summary>
public sealed class MessageValidationException(string messageType, IReadOnlyList<string> problems)
    : Exception($"invalid {messageType}: {string.Join("; ", problems)}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Collects validation problems and throws them together, so the error queue shows all of them.</summary>
internal sealed class MessageChecks(string messageType)
{
    private readonly List<string> problems = [];

    /// <summary>A required identifier: present, at most <see cref="InboundLimits.MaxIdentifierLength"/> characters, printable. Trimmed.</summary>
    public string Required(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{field} is required");
            return string.Empty;
        }

        return Bounded(value.Trim(), field, InboundLimits.MaxIdentifierLength) ?? string.Empty;
    }

    /// <summary>An identifier that may be missing (its absence is judged elsewhere): null, or bounded and printable. Trimmed.</summary>
    public string? Optional(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? null : Bounded(value.Trim(), field, InboundLimits.MaxIdentifierLength);

    /// <summary>Free text that may be missing: null, or at most <see cref="InboundLimits.MaxTextLength"/> printable characters. Trimmed.</summary>
    public string? Text(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? null : Bounded(value.Trim(), field, InboundLimits.MaxTextLength);

    /// <summary>A list that may be missing: at most <see cref="InboundLimits.MaxItems"/> items.</summary>
    public bool AtMost<T>(IReadOnlyCollection<T>? items, string field)
    {
        if (items is not null && items.Count > InboundLimits.MaxItems)
        {
            problems.Add($"{field} must have at most {InboundLimits.MaxItems} items, got {items.Count}");
            return false;
        }

        return true;
    }

    /// <summary>
    /// An address that may be incomplete (completeness is the intake's business validation): each field
    /// present is bounded, printable text.
    /// </summary>
    public void Address(WarehouseOms.Contracts.ShipTo? shipTo, string field)
    {
        if (shipTo is null)
        {
            return;
        }

        Text(shipTo.Name, field + ".name");
        Text(shipTo.Line1, field + ".line1");
        Text(shipTo.City, field + ".city");
        Text(shipTo.PostalCode, field + ".postalCode");
        Text(shipTo.Country, field + ".country");
    }

    /// <summary>A problem found outside these checks.</summary>
    public void Add(string problem) => problems.Add(problem);

    private string? Bounded(string value, string field, int maxLength)
    {
        if (value.Length > maxLength)
        {
            problems.Add($"{field} must be at most {maxLength} characters, got {value.Length}");
            return null;
        }

        if (InboundText.FindUnprintable(value) is { } where)
        {
            // The value itself only escaped: the reason travels into headers and log lines.
            problems.Add($"{field} must be printable text without control characters: {where} of '{LogText.Escape(value, 64)}'");
            return null;
        }

        return value;
    }

    public DateTimeOffset Required(DateTimeOffset? value, string field)
    {
        if (value is null)
        {
            problems.Add($"{field} is required (ISO 8601 with offset, e.g. 2026-11-24T09:30:00Z)");
            return default;
        }

        return value.Value;
    }

    public int Positive(int? value, string field)
    {
        if (value is null or <= 0)
        {
            problems.Add($"{field} must be a positive number");
            return 0;
        }

        return value.Value;
    }

    public int NonNegative(int? value, string field)
    {
        if (value is null or < 0)
        {
            problems.Add($"{field} must be zero or a positive number");
            return 0;
        }

        return value.Value;
    }

    public decimal Positive(decimal? value, string field)
    {
        if (value is null or <= 0)
        {
            problems.Add($"{field} must be a positive number");
            return 0;
        }

        return value.Value;
    }

    public IReadOnlyList<T> NonEmpty<T>(IReadOnlyList<T?>? items, string field)
        where T : class
    {
        if (items is null || items.Count == 0)
        {
            problems.Add($"{field} must not be empty");
            return [];
        }

        if (!AtMost(items, field))
        {
            return [];
        }

        var present = new List<T>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { } item)
            {
                present.Add(item);
            }
            else
            {
                problems.Add($"{field}[{i}] is null");
            }
        }

        return present;
    }

    public void ThrowIfInvalid()
    {
        if (problems.Count > 0)
        {
            throw new MessageValidationException(messageType, problems);
        }
    }
}
