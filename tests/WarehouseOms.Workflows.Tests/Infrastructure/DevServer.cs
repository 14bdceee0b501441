using System.Runtime.InteropServices;
using Temporalio.Testing;

namespace WarehouseOms.Workflows.Tests.Infrastructure;

/// <summary>
/// The embedded dev server's apphost, which the SDK's standard test environments launch
/// (<c>ExistingPath</c>). The project reference copies it next to this test assembly; the environment
/// variable overrides that.
/// </summary>
public static class DevServer
{
    public const string PathVariable = "WAREHOUSEOMS_TEMPORAL_DEVSERVER_PATH";

    public static string ExecutablePath
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(PathVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return configured;
            }

            var name = "WarehouseOms.TemporalDevServer" + (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? ".exe" : string.Empty);
            var path = Path.Combine(AppContext.BaseDirectory, name);
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"Dev server apphost not found; build it or set {PathVariable}.", path);
        }
    }
}

/// <summary>One local dev server per collection (<c>WorkflowEnvironment.StartLocalAsync</c>).</summary>
public sealed class LocalServerFixture : IAsyncLifetime
{
    private WorkflowEnvironment? environment;

    public WorkflowEnvironment Environment => environment ?? throw new InvalidOperationException("Dev server not started");

    public async Task InitializeAsync() =>
        environment = await WorkflowEnvironment.StartLocalAsync(new()
        {
            DevServerOptions = new() { ExistingPath = DevServer.ExecutablePath, StartupTimeout = TimeSpan.FromSeconds(30) },
        });

    public async Task DisposeAsync()
    {
        if (environment is not null)
        {
            await environment.ShutdownAsync();
        }
    }
}

/// <summary>The time-skipping form (<c>WorkflowEnvironment.StartTimeSkippingAsync</c>) for hours-long timers.</summary>
public sealed class TimeSkippingServerFixture : IAsyncLifetime
{
    private WorkflowEnvironment? environment;

    public WorkflowEnvironment Environment => environment ?? throw new InvalidOperationException("Test server not started");

    public async Task InitializeAsync() =>
        environment = await WorkflowEnvironment.StartTimeSkippingAsync(new()
        {
            TestServer = new() { ExistingPath = DevServer.ExecutablePath, StartupTimeout = TimeSpan.FromSeconds(30) },
        });

    public async Task DisposeAsync()
    {
        if (environment is not null)
        {
            await environment.ShutdownAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class IntakeCollection : ICollectionFixture<LocalServerFixture>
{
    public const string Name = "Intake workflow on the dev server";
}

[CollectionDefinition(Name)]
public sealed class FulfillmentCollection : ICollectionFixture<LocalServerFixture>
{
    public const string Name = "Fulfillment workflow on the dev server";
}

[CollectionDefinition(Name)]
public sealed class TimeSkippingCollection : ICollectionFixture<TimeSkippingServerFixture>
{
    public const string Name = "Workflows on the time-skipping server";
}
