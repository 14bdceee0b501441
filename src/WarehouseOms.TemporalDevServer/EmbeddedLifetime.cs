using Microsoft.Extensions.Hosting;

namespace WarehouseOms.TemporalDevServer;

/// <summary>
/// Host lifetime that leaves process signals alone: an embedded server must not take Ctrl+C or SIGTERM
/// away from the process hosting it (tests, the Host), and the executable handles signals itself.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
