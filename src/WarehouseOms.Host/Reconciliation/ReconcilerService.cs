using Microsoft.Extensions.Options;

namespace WarehouseOms.Host.Reconciliation;

/// <summary>Runs the <see cref="Reconciler"/> every <c>Reconciler:Interval</c> while <c>Reconciler:Enabled</c>.</summary>
public sealed partial class ReconcilerService(Reconciler reconciler, IOptions<ReconcilerOptions> options, ILogger<ReconcilerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await reconciler.RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The database away, say: the next tick tries again.
                LogRunFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciler disabled (Reconciler:Enabled false)")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciler run failed; the next interval tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);
}
