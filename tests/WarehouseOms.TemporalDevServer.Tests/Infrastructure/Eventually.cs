namespace WarehouseOms.TemporalDevServer.Tests.Infrastructure;

/// <summary>Poller for eventually consistent assertions: no fixed sleeps, a deadline instead.</summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="probe"/> until it returns a value matching <paramref name="done"/>.</summary>
    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last value: {last}");
            }

            await Task.Delay(Interval, cancellationToken);
        }
    }

    /// <summary>Polls a synchronous condition (state recorded by activities) until it holds.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        UntilAsync(() => Task.FromResult(condition()), ok => ok, what, timeout, cancellationToken);
}
