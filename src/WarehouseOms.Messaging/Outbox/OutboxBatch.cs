using Npgsql;
using NpgsqlTypes;

namespace WarehouseOms.Messaging.Outbox;

/// <summary>A pending outbox row as the relay publishes it.</summary>
internal sealed record PendingMessage(long Id, Guid MessageId, string Exchange, string MessageType, string Payload, string Headers, DateTimeOffset CreatedAt, string? TraceParent = null);

/// <summary>
/// A batch of rows claimed with <c>FOR UPDATE SKIP LOCKED</c>: the rows stay locked (invisible to
/// other relays) until <see cref="CommitAsync"/> or disposal, so each row is published by one relay.
/// Rows are selected by state, never by a high-water mark: sequence values are assigned before commit,
/// so a row with a lower ID can become visible after one with a higher ID.
/// </summary>
internal sealed class OutboxBatch : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private OutboxBatch(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<PendingMessage> messages)
    {
        _connection = connection;
        _transaction = transaction;
        Messages = messages;
    }

    public IReadOnlyList<PendingMessage> Messages { get; }

    public static async Task<OutboxBatch> ClaimAsync(NpgsqlDataSource dataSource, int batchSize, TimeSpan maxRowRetryDelay, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // Rows that were returned or nacked wait 2^attempts seconds (capped) before the next try,
            // so an exchange without a queue does not turn the relay into a hot loop.
            await using var command = new NpgsqlCommand(
                """
                SELECT id, message_id, exchange, message_type, payload::text, headers::text, created_at, trace_parent
                FROM messaging.outbox_messages
                WHERE state = 'pending'
                  AND (last_attempt_at IS NULL
                       OR last_attempt_at + LEAST(make_interval(secs => power(2, LEAST(attempts, 20))), @max_delay) <= now())
                ORDER BY id
                LIMIT @batch_size
                FOR UPDATE SKIP LOCKED
                """,
                connection,
                transaction);
            command.Parameters.Add(new NpgsqlParameter("max_delay", NpgsqlDbType.Interval) { Value = maxRowRetryDelay });
            command.Parameters.Add(new NpgsqlParameter("batch_size", NpgsqlDbType.Integer) { Value = batchSize });

            var messages = new List<PendingMessage>(batchSize);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    messages.Add(new PendingMessage(
                        reader.GetInt64(0),
                        reader.GetGuid(1),
                        reader.GetString(2),
                        reader.GetString(3),
                        reader.GetString(4),
                        reader.GetString(5),
                        reader.GetFieldValue<DateTimeOffset>(6),
                        reader.IsDBNull(7) ? null : reader.GetString(7)));
                }
            }

            return new OutboxBatch(connection, transaction, messages);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task MarkSentAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(
            """
            UPDATE messaging.outbox_messages
            SET state = 'sent', sent_at = now(), last_attempt_at = now(), attempts = attempts + 1, last_error = NULL
            WHERE id = ANY(@ids)
            """,
            _connection,
            _transaction);
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ids.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task MarkFailedAsync(long id, string error, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            UPDATE messaging.outbox_messages
            SET last_attempt_at = now(), attempts = attempts + 1, last_error = @error
            WHERE id = @id
            """,
            _connection,
            _transaction);
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Bigint) { Value = id });
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = error });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes sent rows older than <paramref name="retainSentFor"/>, at most 10,000 per call (short transactions).</summary>
    public static async Task<int> DeleteExpiredAsync(NpgsqlDataSource dataSource, TimeSpan retainSentFor, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            DELETE FROM messaging.outbox_messages
            WHERE id IN (
                SELECT id FROM messaging.outbox_messages
                WHERE state = 'sent' AND sent_at < now() - @retain
                LIMIT 10000
                FOR UPDATE SKIP LOCKED)
            """);
        command.Parameters.Add(new NpgsqlParameter("retain", NpgsqlDbType.Interval) { Value = retainSentFor });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
