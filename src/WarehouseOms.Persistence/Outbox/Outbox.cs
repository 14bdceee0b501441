using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace WarehouseOms.Persistence.Outbox;

/// <summary>Writes outbound events into the outbox, inside the caller's transaction.</summary>
public interface IOutbox
{
    /// <summary>
    /// Stages <paramref name="message"/> for publication to <paramref name="exchange"/> in the current
    /// transaction and wakes the relays (NOTIFY, delivered on commit). Returns false when a row with
    /// this message ID already exists: the event was already written and is not written again.
    /// </summary>
    /// <exception cref="InvalidOperationException">No transaction is open: the row would not be atomic with the state change.</exception>
    Task<bool> AddAsync<T>(
        string exchange,
        T message,
        Guid messageId,
        IReadOnlyDictionary<string, string>? headers = null,
        CancellationToken cancellationToken = default)
        where T : class;
}

/// <summary>Names and serialization shared by the outbox writer and the relay.</summary>
public static class OutboxConventions
{
    /// <summary>The PostgreSQL NOTIFY channel that wakes relays. A hint only: relays also poll.</summary>
    public const string NotifyChannel = "outbox_pending";

    /// <summary>camelCase JSON, as the message catalogue documents.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);
}

internal sealed partial class EfOutbox(WarehouseOmsDbContext db, TimeProvider clock, ILogger<EfOutbox> logger) : IOutbox
{
    public async Task<bool> AddAsync<T>(
        string exchange,
        T message,
        Guid messageId,
        IReadOnlyDictionary<string, string>? headers = null,
        CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(exchange);
        ArgumentNullException.ThrowIfNull(message);
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException(
                "Outbox rows must be written inside the transaction of the state change they announce; begin a transaction first.");
        }

        var payload = JsonSerializer.Serialize(message, OutboxConventions.JsonOptions);
        var headerJson = JsonSerializer.Serialize(headers ?? new Dictionary<string, string>(), OutboxConventions.JsonOptions);
        var now = clock.GetUtcNow();
        // The writer's trace travels with the row, so the relay's publish joins the order's trace (ADR 0022).
        var traceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? id : null;

        // ON CONFLICT: a retried activity derives the same message ID; the first row wins.
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO messaging.outbox_messages (message_id, exchange, message_type, payload, headers, trace_parent, created_at, state, attempts)
            VALUES ({messageId}, {exchange}, {exchange}, CAST({payload} AS jsonb), CAST({headerJson} AS jsonb), {traceParent}, {now}, 'pending', 0)
            ON CONFLICT (message_id) DO NOTHING
            """,
            cancellationToken).ConfigureAwait(false);

        if (inserted == 0)
        {
            LogDuplicate(logger, messageId, exchange);
            return false;
        }

        await db.Database.ExecuteSqlAsync(
            $"SELECT pg_notify({OutboxConventions.NotifyChannel}, {exchange})",
            cancellationToken).ConfigureAwait(false);
        LogStaged(logger, messageId, exchange);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox message {MessageId} staged for {Exchange}")]
    private static partial void LogStaged(ILogger logger, Guid messageId, string exchange);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox message {MessageId} for {Exchange} already exists; not written again")]
    private static partial void LogDuplicate(ILogger logger, Guid messageId, string exchange);
}
