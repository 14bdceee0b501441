namespace WarehouseOms.Testing;

/// <summary>
/// Eventual assertions for every test project: poll until a condition holds or a deadline passes, never
/// a fixed sleep. The failure says what was awaited and the last value seen.
/// </summary>
public static class Eventually
{
    /// <summary>Generous: a slow shared machine must not fail a test that is merely slow.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var last = await probe().ConfigureAwait(false);
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last value: {last}");
            }

            await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Polls a synchronous condition (state recorded by a fake, a counter) until it holds.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), ok => ok, what, timeout, cancellationToken);
    }
}
