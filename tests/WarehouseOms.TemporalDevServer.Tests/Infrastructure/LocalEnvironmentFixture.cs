using Temporalio.Testing;
using WarehouseOms.TemporalDevServer.Tests.Durability;

namespace WarehouseOms.TemporalDevServer.Tests.Infrastructure;

/// <summary>
/// One dev server per test class, started the way every Temporal .NET test starts one:
/// <c>WorkflowEnvironment.StartLocalAsync</c> with <c>DevServerOptions.ExistingPath</c>, which runs
/// <c>&lt;exe&gt; server start-dev --port P --namespace default ... --headless</c>. With
/// <c>WAREHOUSEOMS_DEVSERVER_STORE=postgres</c> the server keeps its state in a scratch PostgreSQL
/// database (<c>--db</c>), so the same conformance tests run against both stores.
/// </summary>
public sealed class LocalEnvironmentFixture : IAsyncLifetime
{
    public const string StoreVariable = "WAREHOUSEOMS_DEVSERVER_STORE";

    private WorkflowEnvironment? environment;
    private DurableStore? store;

    public WorkflowEnvironment Environment =>
        environment ?? throw new InvalidOperationException("The dev server has not started");

    public async Task InitializeAsync()
    {
        var extraArgs = new List<string>();
        if (string.Equals(System.Environment.GetEnvironmentVariable(StoreVariable), "postgres", StringComparison.OrdinalIgnoreCase))
        {
            store = await DurableStore.CreateAsync();
            extraArgs.AddRange(["--db", store.ConnectionString]);
        }

        environment = await WorkflowEnvironment.StartLocalAsync(new()
        {
            DevServerOptions = new()
            {
                ExistingPath = DevServerExecutable.Path,
                // Generous: other builds share the two cores. The SDK's default is what the server
                // has to meet; the Smoke tests of the server project check that.
                StartupTimeout = TimeSpan.FromSeconds(30),
                ExtraArgs = extraArgs,
            },
        });
    }

    public async Task DisposeAsync()
    {
        if (environment is not null)
        {
            await environment.ShutdownAsync();
        }

        if (store is not null)
        {
            await store.DisposeAsync();
        }
    }
}

/// <summary>
/// The time-skipping test server form: <c>WorkflowEnvironment.StartTimeSkippingAsync</c> with
/// <c>TestServerOptions.ExistingPath</c>, which runs <c>&lt;exe&gt; &lt;port&gt;</c> and drives
/// <c>temporal.api.testservice.v1.TestService</c>.
/// </summary>
public sealed class TimeSkippingEnvironmentFixture : IAsyncLifetime
{
    private WorkflowEnvironment? environment;

    public WorkflowEnvironment Environment =>
        environment ?? throw new InvalidOperationException("The time-skipping server has not started");

    public async Task InitializeAsync()
    {
        environment = await WorkflowEnvironment.StartTimeSkippingAsync(new()
        {
            TestServer = new()
            {
                ExistingPath = DevServerExecutable.Path,
                StartupTimeout = TimeSpan.FromSeconds(30),
            },
        });
    }

    public async Task DisposeAsync()
    {
        if (environment is not null)
        {
            await environment.ShutdownAsync();
        }
    }
}
