using Microsoft.EntityFrameworkCore;

namespace WarehouseOms.Persistence.Outbox;

/// <summary>The operator's view of the outbox: what waits, why, and "retry now".</summary>
public interface IOutboxAdmin
{
    /// <summary>Pending rows, those that have failed at least once first (most attempts first), then oldest first.</summary>
    Task<IReadOnlyList<OutboxMessage>> ListPendingAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>The rows of these message IDs (an order's outbound events); sent rows are deleted after <c>Outbox:RetainSentFor</c>.</summary>
    Task<IReadOnlyList<OutboxMessage>> FindAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes pending rows due at once (their backoff is forgotten, attempts and last error kept) and wakes the
    /// relays; <paramref name="messageId"/> null = every pending row. Returns how many rows were made due.
    /// </summary>
    Task<int> RetryNowAsync(Guid? messageId, CancellationToken cancellationToken = default);
}

internal sealed class EfOutboxAdmin(WarehouseOmsDbContext db) : IOutboxAdmin
{
    public async Task<IReadOnlyList<OutboxMessage>> ListPendingAsync(int limit, CancellationToken cancellationToken = default) =>
        await db.OutboxMessages.AsNoTracking()
            .Where(m => m.State == OutboxState.Pending)
            .OrderByDescending(m => m.Attempts)
            .ThenBy(m => m.Id)
            .Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<OutboxMessage>> FindAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default) =>
        messageIds.Count == 0
            ? []
            : await db.OutboxMessages.AsNoTracking()
                .Where(m => messageIds.Contains(m.MessageId))
                .ToListAsync(cancellationToken).ConfigureAwait(false);

    public async Task<int> RetryNowAsync(Guid? messageId, CancellationToken cancellationToken = default)
    {
        var rows = await db.OutboxMessages
            .Where(m => m.State == OutboxState.Pending && (messageId == null || m.MessageId == messageId))
            .ExecuteUpdateAsync(set => set.SetProperty(m => m.LastAttemptAt, (DateTimeOffset?)null), cancellationToken).ConfigureAwait(false);
        if (rows > 0)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({OutboxConventions.NotifyChannel}, 'retry')", cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }
}
