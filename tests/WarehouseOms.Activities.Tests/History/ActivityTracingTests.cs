using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Temporalio.Testing;
using Temporalio.Worker.Interceptors;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities.Tests.History;

/// <summary>Spans of activity attempts, seen by an <see cref="ActivityListener"/> as an exporter would see them.</summary>
public sealed class ActivityTracingTests : IClassFixture<DatabaseFixture>, IDisposable
{
    private static readonly ActivityDefinition Definition = ActivityDefinition.Create("Traced", typeof(Task<object?>), [], 0, _ => null);

    private readonly DatabaseFixture db;
    private readonly ConcurrentQueue<Activity> spans = new();
    private readonly ActivityListener listener;

    public ActivityTracingTests(DatabaseFixture db)
    {
        this.db = db;
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActivityTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public void Dispose() => listener.Dispose();

    /// <summary>One attempt the way the worker runs it: through the interceptor, in an activity context.</summary>
    private async Task RunTracedAsync<TActivities>(ActivityCall call, string activityType, Func<TActivities, Task> activity)
        where TActivities : notnull
    {
        var environment = new ActivityEnvironment
        {
            Info = ActivityEnvironment.DefaultInfo with
            {
                WorkflowId = call.WorkflowId,
                WorkflowRunId = call.RunId,
                ActivityId = call.ActivityId,
                ActivityType = activityType,
                Attempt = call.Attempt,
            },
        };
        await using var scope = db.Services.CreateAsyncScope();
        var activities = scope.ServiceProvider.GetRequiredService<TActivities>();
        var inbound = new ActivityTracingInterceptor().InterceptActivity(new Terminal(async () =>
        {
            await activity(activities);
            return null;
        }));
        await environment.RunAsync(() => inbound.ExecuteActivityAsync(new ExecuteActivityInput(Definition, [], null)));
    }

    private List<Activity> SpansOf(string workflowId) =>
        spans.Where(s => Equals(s.GetTagItem(ActivityTracing.WorkflowIdTag), workflowId)).ToList();

    [Fact]
    public async Task ActivityAttempts_OneSpanEachWithOrderWorkflowTypeAttempt_OneTracePerRun()
    {
        var orderId = TestIds.Unique("ord");
        var create = new ActivityCall($"order-intake-req-{orderId}", "2", Attempt: 3);
        var order = new ValidatedOrder($"req-{orderId}", orderId, "cust-1", [new LineItem("WIDGET-RED", 1)], new Address("Ada", "1 Main St", "Springfield", "12345", "US"));

        await RunTracedAsync<OmsActivities>(create, ActivityNames.CreateOrder, a => a.CreateOrderAsync(order));
        await RunTracedAsync<OmsActivities>(create with { ActivityId = "3" }, ActivityNames.EmitOrderEvent, a => a.EmitOrderEventAsync(order));
        await RunTracedAsync<OmsActivities>(ActivityCall.For(orderId, "2"), ActivityNames.MarkOrderReserved, a => a.MarkOrderReservedAsync(new(orderId)));

        var intake = SpansOf(create.WorkflowId);
        Assert.Equal(2, intake.Count);
        var span = intake[0];
        Assert.Equal($"RunActivity:{ActivityNames.CreateOrder}", span.DisplayName);
        Assert.Equal(orderId, span.GetTagItem(ActivityTracing.OrderIdTag));
        Assert.Equal(ActivityNames.CreateOrder, span.GetTagItem(ActivityTracing.ActivityTypeTag));
        Assert.Equal(3, span.GetTagItem(ActivityTracing.AttemptTag));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(intake[0].TraceId, intake[1].TraceId);
        var fulfillment = Assert.Single(SpansOf($"order-fulfillment-{orderId}"));
        Assert.Equal(orderId, fulfillment.GetTagItem(ActivityTracing.OrderIdTag));
        Assert.NotEqual(intake[0].TraceId, fulfillment.TraceId);
    }

    [Fact]
    public async Task FailedAttempt_SpanMarkedErrorWithTemporalErrorTypeAndException()
    {
        var orderId = TestIds.Unique("ord");
        var call = ActivityCall.For(orderId, "9");

        await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            RunTracedAsync<OmsActivities>(call, ActivityNames.MarkOrderFailed, a => a.MarkOrderFailedAsync(new(orderId, "allocation failed"))));

        var span = Assert.Single(SpansOf(call.WorkflowId));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(ActivityErrors.UnknownOrder, span.GetTagItem(ActivityTracing.ErrorTypeTag));
        Assert.Equal(orderId, span.GetTagItem(ActivityTracing.OrderIdTag));
        Assert.Contains(span.Events, e => e.Name == "exception");
    }

    /// <summary>The end of the interceptor chain: runs the activity body (the SDK's own terminal is internal, hence no next).</summary>
    private sealed class Terminal(Func<Task<object?>> body) : ActivityInboundInterceptor(null!)
    {
        public override Task<object?> ExecuteActivityAsync(ExecuteActivityInput input) => body();
    }
}
