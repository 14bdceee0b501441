using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Persistence.Changes;

namespace WarehouseOms.Activities;

/// <summary>
/// The prologue every activity shares, in one place: the attempt's identity (<see cref="ActivityRun"/>),
/// its log scope and trace tag for the business key, its cancellation token, and the unit of work
/// (<see cref="OrderChange"/>) of its change.
/// </summary>
internal sealed class ActivityAttempt : IDisposable
{
    private readonly IDisposable? scope;

    private ActivityAttempt(ActivityRun run, ChangeSubject subject, IDisposable? scope)
    {
        Run = run;
        Subject = subject;
        this.scope = scope;
    }

    public ActivityRun Run { get; }

    public ChangeSubject Subject { get; }

    public CancellationToken CancellationToken => ActivityExecutionContext.Current.CancellationToken;

    public static ActivityAttempt Begin(ILogger logger, ChangeSubject subject)
    {
        var run = ActivityRun.Current;
        return new ActivityAttempt(run, subject, run.BeginScope(logger, subject.LogName, subject.Value));
    }

    /// <summary>
    /// Runs <paramref name="change"/> in one transaction and commits when it returns (a re-run that returns
    /// early commits nothing, it wrote nothing); a move the order lifecycle forbids fails non-retryable.
    /// </summary>
    public async Task<T> ChangeAsync<T>(IOrderChanges changes, Func<OrderChange, Task<T>> change)
    {
        try
        {
            await using var unit = await changes.BeginAsync(Run.Origin, Subject, CancellationToken);
            var result = await change(unit);
            await unit.CommitAsync();
            return result;
        }
        catch (IllegalOrderTransitionException ex)
        {
            throw ActivityFailures.IllegalTransition(ex.Message);
        }
    }

    public Task ChangeAsync(IOrderChanges changes, Func<OrderChange, Task> change) =>
        ChangeAsync(changes, async unit =>
        {
            await change(unit);
            return true;
        });

    public void Dispose() => scope?.Dispose();
}

/// <summary>An activity's change in one call: <c>changes.RunAsync(logger, orderId, async change => …)</c>.</summary>
internal static class ActivityChanges
{
    public static async Task<T> RunAsync<T>(this IOrderChanges changes, ILogger logger, ChangeSubject subject, Func<OrderChange, Task<T>> change)
    {
        using var attempt = ActivityAttempt.Begin(logger, subject);
        return await attempt.ChangeAsync(changes, change);
    }

    public static async Task RunAsync(this IOrderChanges changes, ILogger logger, ChangeSubject subject, Func<OrderChange, Task> change)
    {
        using var attempt = ActivityAttempt.Begin(logger, subject);
        await attempt.ChangeAsync(changes, change);
    }

    public static Task<T> RunAsync<T>(this IOrderChanges changes, ILogger logger, string orderId, Func<OrderChange, Task<T>> change) =>
        changes.RunAsync(logger, ChangeSubject.Order(orderId), change);

    public static Task RunAsync(this IOrderChanges changes, ILogger logger, string orderId, Func<OrderChange, Task> change) =>
        changes.RunAsync(logger, ChangeSubject.Order(orderId), change);

    /// <summary>The stores for reads outside a change, with the attempt's cancellation token.</summary>
    public static WarehouseStores Read(this IOrderChanges changes) => changes.Read(ActivityExecutionContext.Current.CancellationToken);
}
