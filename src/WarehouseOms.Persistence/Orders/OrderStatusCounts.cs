using Npgsql;

namespace WarehouseOms.Persistence.Orders;

/// <summary>How many orders are in each status (<c>oms.orders</c>), for the operational metrics.</summary>
public static class OrderStatusCounts
{
    public static async Task<IReadOnlyDictionary<string, long>> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("SELECT status, count(*) FROM oms.orders GROUP BY status");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }
}
