namespace WarehouseOms.Messaging.Consumers;

/// <summary>
/// The message can never be processed as it is (missing fields, non-positive quantities). Not retried:
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

    public string Required(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{field} is required");
            return string.Empty;
        }

        return value.Trim();
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
