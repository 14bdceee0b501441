namespace WarehouseOms.TemporalDevServer.Engine;

internal static class Waits
{
    /// <summary>
    /// Waits for <paramref name="task"/> at most <paramref name="wait"/>; a timeout or cancellation just
    /// ends the wait (callers check the task afterwards). Unlike WhenAny with Task.Delay, the timer is
    /// released as soon as the task completes, so thousands of answered long polls leave no timers behind.
    /// </summary>
    public static async Task CompletionOrTimeoutAsync(Task task, TimeSpan wait, CancellationToken ct)
    {
        if (task.IsCompleted || wait <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await task.WaitAsync(wait, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The caller treats an unfinished task as "nothing yet".
        }
        catch (OperationCanceledException)
        {
            // Same: the caller decides what a cancelled wait means.
        }
    }
}
