using System.Text.Json;
using WarehouseOms.Contracts;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Messaging.Consumers;

/// <summary>The submission an intake workflow was started with: the message that first used a requestId.</summary>
public sealed record RecordedIntake(string MessageId, OrderSubmitted Submitted);

/// <summary>
/// Looks up what an earlier submission of a requestId carried, so that a second message with the same
/// requestId can be told apart: a redelivery or a re-publish of the same order (acknowledged) or a
/// different order under a reused requestId (refused). A fake in consumer tests.
/// </summary>
public interface IIntakeRecords
{
    /// <summary>The input <c>order-intake-{requestId}</c> was started with; null when no such workflow is known (any more).</summary>
    /// <exception cref="TemporalUnavailableException">Temporal could not be reached; retry later.</exception>
    Task<RecordedIntake?> FindAsync(string requestId, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IIntakeRecords"/> over the intake workflow itself: the input it was started with is the
/// record. Asked only for a duplicate, so an ordinary submission costs nothing extra.
/// </summary>
public sealed class WorkflowIntakeRecords(IOrderWorkflows workflows) : IIntakeRecords
{
    public async Task<RecordedIntake?> FindAsync(string requestId, CancellationToken cancellationToken)
    {
        var input = await workflows.FindIntakeAsync(requestId, cancellationToken).ConfigureAwait(false);
        return input?.Submitted is null ? null : new RecordedIntake(input.MessageId, input.Submitted);
    }
}

/// <summary>
/// A second message for a requestId that carries a different order than the first one. Permanent: the
/// requestId already names that first order, so this message can never be processed as it is; it goes
/// to the error queue with the reason (ADR 0013).
/// </summary>
public sealed class ConflictingDuplicateException(string message) : Exception(message);

/// <summary>Compares a duplicate submission with the one recorded first.</summary>
public static class IntakeConflicts
{
    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Null when <paramref name="submitted"/> is the recorded submission again (same message, or the same
    /// order content under another message ID); otherwise the reason it is refused, naming the earlier
    /// message and order.
    /// </summary>
    public static string? Describe(string requestId, string messageId, OrderSubmitted submitted, RecordedIntake recorded)
    {
        ArgumentNullException.ThrowIfNull(submitted);
        ArgumentNullException.ThrowIfNull(recorded);
        if (recorded.MessageId == messageId)
        {
            return null;
        }

        var differences = new List<string>();
        if (!Same(recorded.Submitted.OrderId, submitted.OrderId))
        {
            differences.Add($"orderId '{LogText.Escape(submitted.OrderId, 64)}' instead of '{LogText.Escape(recorded.Submitted.OrderId, 64)}'");
        }

        if (!Same(recorded.Submitted.CustomerId, submitted.CustomerId))
        {
            differences.Add("another customerId");
        }

        if (!SameJson(recorded.Submitted.Lines, submitted.Lines))
        {
            differences.Add("other lines");
        }

        if (!SameJson(recorded.Submitted.ShipTo, submitted.ShipTo))
        {
            differences.Add("another shipTo");
        }

        if (differences.Count == 0)
        {
            return null;
        }

        return $"conflicting duplicate: requestId '{LogText.Escape(requestId, 64)}' was already used by message "
            + $"'{LogText.Escape(recorded.MessageId, 80)}' for order '{LogText.Escape(recorded.Submitted.OrderId, 64)}' "
            + $"({WorkflowIds.OrderIntake(LogText.Escape(requestId, 64))}); this message carries {string.Join(", ", differences)}. "
            + "A different order needs a new requestId";
    }

    // Surrounding blanks are sender sloppiness the intake trims away too, not a different order.
    private static bool Same(string? a, string? b) => string.Equals(a?.Trim(), b?.Trim(), StringComparison.Ordinal);

    private static bool SameJson<T>(T a, T b) =>
        string.Equals(JsonSerializer.Serialize(a, Canonical), JsonSerializer.Serialize(b, Canonical), StringComparison.Ordinal);
}
