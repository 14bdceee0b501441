using Temporalio.Common;
using Temporalio.Workflows;

namespace WarehouseOms.TemporalDevServer.Tests.Workflows;

/// <summary>Puts an activity, a child or its next run (<c>kind</c>) on the given task queue.</summary>
[Workflow]
public sealed class QueueChoosingWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string kind, string queue)
    {
        switch (kind)
        {
            case "activity":
                return await Workflow.ExecuteActivityAsync(
                    () => FidelityActivities.Echo("never"), new() { TaskQueue = queue, StartToCloseTimeout = TimeSpan.FromSeconds(5) });
            case "child":
                return await Workflow.ExecuteChildWorkflowAsync(
                    (QueueChoosingWorkflow wf) => wf.RunAsync("none", queue), new() { Id = Workflow.Info.WorkflowId + "-child", TaskQueue = queue });
            case "continue-as-new":
                throw Workflow.CreateContinueAsNewException((QueueChoosingWorkflow wf) => wf.RunAsync("none", queue), new() { TaskQueue = queue });
            default:
                return kind;
        }
    }
}

/// <summary>Upserts four of the dev server's search attributes at once, then waits to be terminated.</summary>
[Workflow]
public sealed class FourSearchAttributesWorkflow
{
    private static readonly SearchAttributeKey<string> Keyword = SearchAttributeKey.CreateKeyword("CustomKeywordField");
    private static readonly SearchAttributeKey<long> Number = SearchAttributeKey.CreateLong("CustomIntField");
    private static readonly SearchAttributeKey<bool> Flag = SearchAttributeKey.CreateBool("CustomBoolField");
    private static readonly SearchAttributeKey<double> Fraction = SearchAttributeKey.CreateDouble("CustomDoubleField");

    /// <summary>The same four attributes, as a start sets them.</summary>
    public static SearchAttributeCollection Four => new SearchAttributeCollection.Builder()
        .Set(Keyword, "k").Set(Number, 1).Set(Flag, true).Set(Fraction, 1.5).ToSearchAttributeCollection();

    [WorkflowRun]
    public async Task RunAsync()
    {
        Workflow.UpsertTypedSearchAttributes(Keyword.ValueSet("k"), Number.ValueSet(1), Flag.ValueSet(true), Fraction.ValueSet(1.5));
        await Workflow.DelayAsync(TimeSpan.FromMinutes(5));
    }
}
