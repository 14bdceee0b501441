using Temporalio.Api.Enums.V1;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <param name="Value">What the target was started with.</param>
/// <param name="Signals">How many signals the target waits for before it completes.</param>
public record PickWaveInput(string Value, int Signals);

/// <summary>A pick wave signal-with-started from another workflow: records its start and its signals, in order.</summary>
[Workflow]
public sealed class PickWaveWorkflow
{
    private readonly List<string> events = [];
    private int signals;

    [WorkflowQuery]
    public IReadOnlyList<string> Events => events;

    [WorkflowSignal]
    public Task AddPickAsync(string pick)
    {
        signals++;
        events.Add($"Signal: {pick}");
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<IReadOnlyList<string>> RunAsync(PickWaveInput input)
    {
        // A signal that came with the start is handled before the run method: the start goes first all the same.
        events.Insert(0, $"Started: {input.Value}");
        await Workflow.WaitConditionAsync(() => signals >= input.Signals);
        return events;
    }
}

/// <param name="TargetId">The pick wave's workflow ID.</param>
/// <param name="TaskQueue">Its task queue.</param>
/// <param name="StartValue">What it is started with if it does not run yet.</param>
/// <param name="Picks">One signal-with-start per pick, one after another.</param>
/// <param name="TargetSignals">How many signals the pick wave waits for, when started here.</param>
public record PickWaveCall(string TargetId, string TaskQueue, string StartValue, IReadOnlyList<string> Picks, int TargetSignals);

/// <summary>
/// Signal-with-starts a pick wave through the server's system Nexus endpoint (<c>Workflow.SignalWithStartWorkflowAsync</c>),
/// once per pick, under conflict policy USE_EXISTING; answers the run IDs the handles name.
/// </summary>
[Workflow]
public sealed class PickWaveStarterWorkflow
{
    [WorkflowRun]
    public async Task<IReadOnlyList<string>> RunAsync(PickWaveCall call)
    {
        var runIds = new List<string>();
        foreach (var pick in call.Picks)
        {
            var handle = await Workflow.SignalWithStartWorkflowAsync(
                (PickWaveWorkflow wave) => wave.RunAsync(new PickWaveInput(call.StartValue, call.TargetSignals)),
                wave => wave.AddPickAsync(pick),
                new SignalWithStartWorkflowOptions(call.TargetId, call.TaskQueue) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
            runIds.Add(handle.RunId ?? string.Empty);
        }

        return runIds;
    }
}
