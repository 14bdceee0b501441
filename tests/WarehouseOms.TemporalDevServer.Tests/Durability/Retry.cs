using Temporalio.Exceptions;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>What a client of a crashing server does: try again while the server is unreachable.</summary>
public static class Retry
{
    public static async Task<T> WhileUnavailableAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    public static Task WhileUnavailableAsync(Func<Task> call, CancellationToken cancellationToken) =>
        WhileUnavailableAsync(async () =>
        {
            await call();
            return true;
        }, cancellationToken);

    private static bool IsTransient(Exception ex) => ex switch
    {
        RpcException rpc => rpc.Code is RpcException.StatusCode.Unavailable or RpcException.StatusCode.DeadlineExceeded
            or RpcException.StatusCode.Unknown or RpcException.StatusCode.Internal or RpcException.StatusCode.Cancelled,
        InvalidOperationException io => io.Message.Contains("connect", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}
