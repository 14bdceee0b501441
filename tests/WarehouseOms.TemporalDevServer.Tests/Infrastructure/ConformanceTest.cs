using Temporalio.Client;
using Temporalio.Testing;
using Temporalio.Worker;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Infrastructure;

/// <summary>
/// Base for conformance tests: a fresh task queue and workflow ID per test, a deadline for every test
/// so a server that never answers fails the test instead of hanging the run.
/// </summary>
public abstract class ConformanceTest : IDisposable
{
    /// <summary>Backstop for xunit's <c>Fact(Timeout)</c>; the per-test token fires earlier.</summary>
    public const int TestTimeoutMs = 90_000;

    private readonly CancellationTokenSource deadline = new(TimeSpan.FromSeconds(60));

    protected ConformanceTest(WorkflowEnvironment environment, ITestOutputHelper output)
    {
        Environment = environment;
        Output = output;
        TaskQueue = $"tq-{GetType().Name}-{Guid.NewGuid():N}";
    }

    protected WorkflowEnvironment Environment { get; }

    protected ITemporalClient Client => Environment.Client;

    protected ITestOutputHelper Output { get; }

    /// <summary>A task queue no other test uses.</summary>
    protected string TaskQueue { get; }

    /// <summary>Cancelled when the test has run too long.</summary>
    protected CancellationToken Deadline => deadline.Token;

    /// <summary>RPC options bound to the test deadline (for GetResultAsync and other long calls).</summary>
    protected RpcOptions Rpc => new() { CancellationToken = Deadline };

    protected WorkflowSignalOptions SignalRpc => new() { Rpc = Rpc };

    protected WorkflowQueryOptions QueryRpc => new() { Rpc = Rpc };

    protected WorkflowHistoryEventFetchOptions HistoryRpc => new() { Rpc = Rpc };

    protected static string NewWorkflowId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected WorkflowOptions Options(string workflowIdPrefix) =>
        new(NewWorkflowId(workflowIdPrefix), TaskQueue);

    protected TemporalWorkerOptions WorkerOptions() => new(TaskQueue);

    /// <summary>Runs <paramref name="body"/> while a worker polls the test's task queue.</summary>
    protected async Task<T> WithWorkerAsync<T>(TemporalWorkerOptions options, Func<Task<T>> body)
    {
        using var worker = new TemporalWorker(Client, options);
        return await worker.ExecuteAsync(body, Deadline);
    }

    /// <inheritdoc cref="WithWorkerAsync{T}(TemporalWorkerOptions, Func{Task{T}})"/>
    protected async Task WithWorkerAsync(TemporalWorkerOptions options, Func<Task> body)
    {
        using var worker = new TemporalWorker(Client, options);
        await worker.ExecuteAsync(body, Deadline);
    }

    /// <summary>CountWorkflowExecutions of a list query, bound to the test deadline.</summary>
    protected async Task<long> CountAsync(string query) => (await Client.CountWorkflowsAsync(query, new() { Rpc = Rpc })).Count;

    /// <summary>DescribeWorkflowExecution through the raw service: every field the server answers, not the SDK's view.</summary>
    protected Task<Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionResponse> DescribeRawAsync(string workflowId, string? runId = null) =>
        Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(
            new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = workflowId, RunId = runId ?? string.Empty } }, Rpc);

    /// <summary>The runs a list query returns, every page, in order.</summary>
    protected async Task<List<WorkflowExecution>> ListAsync(string query)
    {
        var runs = new List<WorkflowExecution>();
        await foreach (var run in Client.ListWorkflowsAsync(query, new() { Rpc = Rpc }))
        {
            runs.Add(run);
        }

        return runs;
    }

    /// <summary>The workflow IDs a list query returns, every page, in order.</summary>
    protected async Task<List<string>> ListIdsAsync(string query) => (await ListAsync(query)).Select(r => r.Id).ToList();

    public void Dispose()
    {
        deadline.Dispose();
        GC.SuppressFinalize(this);
    }
}
