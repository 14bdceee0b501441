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
public class LocalEnvironmentFixture : IAsyncLifetime
{
    public const string StoreVariable = "WAREHOUSEOMS_DEVSERVER_STORE";

    private WorkflowEnvironment? environment;
    private DurableStore? store;

    public WorkflowEnvironment Environment =>
        environment ?? throw new InvalidOperationException("The dev server has not started");

    /// <summary>The PostgreSQL store's connection string when the server keeps its state there, else null.</summary>
    public string? StoreConnectionString => store?.ConnectionString;

    /// <summary><c>KEY=VALUE</c> pairs passed as <c>--dynamic-config-value</c>, as the Temporal CLI takes them.</summary>
    protected virtual IEnumerable<string> DynamicConfig => [];

    /// <summary>Further arguments for the server's command line.</summary>
    protected virtual IEnumerable<string> ServerArgs => [];

    public async Task InitializeAsync()
    {
        var extraArgs = DynamicConfig.SelectMany(value => new[] { "--dynamic-config-value", value }).Concat(ServerArgs).ToList();
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
/// A dev server with small size limits (a 10 KB payload, 80 events), so that tests reach them quickly;
/// continue-as-new is suggested from 30 events or 4 KB of history.
/// </summary>
public sealed class SmallLimitsEnvironmentFixture : LocalEnvironmentFixture
{
    public const int BlobSizeError = 10_000;
    public const int MemoSizeError = 4_000;
    public const int HistoryCountError = 80;
    public const int HistoryCountSuggestContinueAsNew = 30;
    public const int SearchAttributesNumberOfKeys = 3;

    protected override IEnumerable<string> DynamicConfig =>
    [
        $"frontend.searchAttributesNumberOfKeysLimit={SearchAttributesNumberOfKeys}",
        $"limit.blobSize.error={BlobSizeError}",
        "limit.blobSize.warn=5000",
        $"limit.memoSize.error={MemoSizeError}",
        "limit.memoSize.warn=1000",
        $"limit.historyCount.error={HistoryCountError}",
        "limit.historyCount.warn=60",
        $"limit.historyCount.suggestContinueAsNew={HistoryCountSuggestContinueAsNew}",
        "limit.historySize.suggestContinueAsNew=4096",
    ];
}

/// <summary>A dev server with <c>system.enableActivityEagerExecution=false</c>, as an operator may set it.</summary>
public sealed class NoEagerActivitiesEnvironmentFixture : LocalEnvironmentFixture
{
    protected override IEnumerable<string> DynamicConfig => ["system.enableActivityEagerExecution=false"];
}

/// <summary>A dev server with <c>frontend.enableCancelWorkerPollsOnShutdown=true</c>, as the SDK's own test environment runs it.</summary>
public sealed class CancelPollsOnShutdownEnvironmentFixture : LocalEnvironmentFixture
{
    protected override IEnumerable<string> DynamicConfig => ["frontend.enableCancelWorkerPollsOnShutdown=true"];
}

/// <summary>A dev server with <c>history.enableSignalWithStartFromWorkflow=true</c>: workflows may signal-with-start through the system Nexus endpoint.</summary>
public sealed class SignalWithStartFromWorkflowEnvironmentFixture : LocalEnvironmentFixture
{
    protected override IEnumerable<string> DynamicConfig => ["history.enableSignalWithStartFromWorkflow=true"];
}

/// <summary>
/// A dev server with <c>history.enableStandaloneActivityOperatorCommands=true</c>, as the Temporal CLI's dev server runs:
/// the activity operator commands act on standalone activities.
/// </summary>
public sealed class StandaloneActivityOperatorCommandsEnvironmentFixture : LocalEnvironmentFixture
{
    public const string Flag = "history.enableStandaloneActivityOperatorCommands=true";

    protected override IEnumerable<string> DynamicConfig => [Flag];
}

/// <summary>A dev server with <c>frontend.WorkflowPauseEnabled=true</c>: PauseWorkflowExecution holds runs (ADR 0056).</summary>
public sealed class WorkflowPauseEnvironmentFixture : LocalEnvironmentFixture
{
    public const string Flag = "frontend.WorkflowPauseEnabled=true";

    protected override IEnumerable<string> DynamicConfig => [Flag];
}

/// <summary>
/// A dev server with <c>history.enableUpdateCallbacks=true</c>, as the SDK's own test environment runs it: an update's
/// completion callbacks are called with its outcome (ADR 0059).
/// </summary>
public sealed class UpdateCallbacksEnvironmentFixture : LocalEnvironmentFixture
{
    public const string Flag = "history.enableUpdateCallbacks=true";

    protected override IEnumerable<string> DynamicConfig => [Flag];
}

/// <summary>A dev server with <c>nexusoperation.enableStandalone=false</c>, Temporal's own default: no standalone Nexus operations.</summary>
public sealed class StandaloneNexusOffEnvironmentFixture : LocalEnvironmentFixture
{
    protected override IEnumerable<string> DynamicConfig => ["nexusoperation.enableStandalone=false"];
}

/// <summary>
/// A dev server that forgets quickly: its namespace keeps closed runs for <see cref="Retention"/> only, and a worker
/// not heard from for <see cref="WorkerTtl"/> leaves the worker list.
/// </summary>
public sealed class ShortRetentionEnvironmentFixture : LocalEnvironmentFixture
{
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan WorkerTtl = TimeSpan.FromSeconds(3);

    // Registered namespaces may have retentions as short (Temporal allows at least an hour unless lowered so).
    protected override IEnumerable<string> ServerArgs =>
        ["--retention", "3s", "--dynamic-config-value", "system.namespaceMinRetentionLocal=1s", "--dynamic-config-value", "matching.workerRegistryEntryTTL=3s"];
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
