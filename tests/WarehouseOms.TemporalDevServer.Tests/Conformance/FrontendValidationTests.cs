using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WarehouseOms.TemporalDevServer.Tests.Conformance;

/// <summary>
/// Temporal's frontend checks and defaults on the common RPCs, with its messages: ID and name lengths
/// (<c>limit.maxIDLength</c>, 1000 UTF-8 bytes), durations, the run timeout under the execution timeout, a terminate's
/// defaults, a reset's request ID, the namespace on every request, and list page sizes. Task queue names:
/// <see cref="TaskQueueNameTests"/>.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class FrontendValidationTests(LocalEnvironmentFixture fixture, ITestOutputHelper output)
    : ConformanceTest(fixture.Environment, output)
{
    private static readonly string TooLong = new('x', 1001);

    private WorkflowService Service => Client.Connection.WorkflowService;

    /// <summary>A start of a type no worker runs, without a request ID: each test sets what it checks.</summary>
    private StartWorkflowExecutionRequest StartRequest(string workflowId) => new()
    {
        Namespace = Client.Options.Namespace,
        WorkflowId = workflowId,
        WorkflowType = new WorkflowType { Name = "NoWorkerForThisType" },
        TaskQueue = new TaskQueue { Name = TaskQueue },
    };

    public static TheoryData<string, string> BadStarts => new()
    {
        { "workflow-id", "WorkflowId exceeds maximum allowed length (1001/1000)" },
        { "type", "WorkflowType length exceeds limit." },
        { "task-queue", "taskQueue length exceeds limit" },
        { "request-id", "RequestId length exceeds limit." },
        { "run-timeout", "An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration" },
        { "execution-timeout", "An invalid WorkflowExecutionTimeoutSeconds is set on request. cause: negative duration" },
        { "task-timeout", "An invalid WorkflowTaskTimeoutSeconds is set on request. cause: duration has seconds and nanos with different signs" },
        { "start-delay", "An invalid WorkflowStartDelaySeconds is set on request. cause: negative duration" },
    };

    [Theory(Timeout = TestTimeoutMs)]
    [MemberData(nameof(BadStarts))]
    public async Task A_start_with_a_field_over_its_limit_or_a_negative_duration_is_invalid_argument(string field, string message)
    {
        var request = StartRequest(field == "workflow-id" ? TooLong : $"validation-{field}-{Guid.NewGuid():N}");
        request.WorkflowType.Name = field == "type" ? TooLong : request.WorkflowType.Name;
        request.TaskQueue.Name = field == "task-queue" ? TooLong : request.TaskQueue.Name;
        request.RequestId = field == "request-id" ? TooLong : Guid.NewGuid().ToString();
        request.WorkflowRunTimeout = field == "run-timeout" ? new Duration { Seconds = -5 } : null;
        request.WorkflowExecutionTimeout = field == "execution-timeout" ? new Duration { Seconds = -1 } : null;
        request.WorkflowTaskTimeout = field == "task-timeout" ? new Duration { Seconds = 5, Nanos = -1 } : null;
        request.WorkflowStartDelay = field == "start-delay" ? new Duration { Seconds = -60 } : null;

        var refused = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(request, Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, message), (refused.Code, refused.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_start_without_a_request_id_is_given_one_and_a_second_such_start_is_a_new_request()
    {
        var request = StartRequest($"validation-no-request-id-{Guid.NewGuid():N}");

        var started = await Service.StartWorkflowExecutionAsync(request.Clone(), Rpc);
        var again = await Assert.ThrowsAsync<RpcException>(() => Service.StartWorkflowExecutionAsync(request.Clone(), Rpc));

        Assert.True(started.Started);
        Assert.Equal(RpcException.StatusCode.AlreadyExists, again.Code);
        await Client.GetWorkflowHandle(request.WorkflowId).TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Signal_with_starts_without_a_request_id_are_each_given_one_and_each_signal_is_delivered()
    {
        var request = new SignalWithStartWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = $"validation-signal-no-request-id-{Guid.NewGuid():N}",
            WorkflowType = new WorkflowType { Name = "NoWorkerForThisType" },
            TaskQueue = new TaskQueue { Name = TaskQueue },
            SignalName = "nudge",
        };

        await Service.SignalWithStartWorkflowExecutionAsync(request.Clone(), Rpc);
        await Service.SignalWithStartWorkflowExecutionAsync(request.Clone(), Rpc); // not taken for a retry of the first

        var handle = Client.GetWorkflowHandle(request.WorkflowId);
        Assert.Equal(2, (await handle.FetchHistoryAsync(HistoryRpc)).Events.Count(e => e.EventType == EventType.WorkflowExecutionSignaled));
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_signal_with_start_whose_signal_name_is_over_the_limit_is_invalid_argument()
    {
        var request = new SignalWithStartWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = $"validation-signal-{Guid.NewGuid():N}",
            WorkflowType = new WorkflowType { Name = "NoWorkerForThisType" },
            TaskQueue = new TaskQueue { Name = TaskQueue },
            RequestId = Guid.NewGuid().ToString(),
            SignalName = TooLong,
        };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Service.SignalWithStartWorkflowExecutionAsync(request, Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, "signal name exceeds maximum allowed length (1001/1000)"), (refused.Code, refused.Message));
    }

    public static TheoryData<string, string> BadSignalWithStarts => new()
    {
        { "no-signal-no-type", "signal not set" },
        { "no-type", "workflow type not set" },
        { "type", "workflow type name exceeds maximum allowed length (1001/1000)" },
        { "request-id", "Request ID exceeds maximum allowed length (1001/1000)" },
        { "cron-no-id", "invalid CronSchedule." },
        { "run-timeout-and-retry", "An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration" },
    };

    [Theory(Timeout = TestTimeoutMs)]
    [MemberData(nameof(BadSignalWithStarts))]
    public async Task A_signal_with_start_is_checked_in_the_order_and_words_of_temporals_signal_with_start_validator(string bad, string message)
    {
        // Temporal checks signal-with-start with a validator of its own (cron, ID, signal, type, queue, request ID,
        // timeouts, retry policy, ...), not the start's: its first problem and its words are what a caller sees.
        var request = new SignalWithStartWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowId = bad == "cron-no-id" ? string.Empty : $"validation-sws-{Guid.NewGuid():N}",
            WorkflowType = new WorkflowType { Name = bad switch { "no-signal-no-type" or "no-type" => string.Empty, "type" => TooLong, _ => "NoWorkerForThisType" } },
            TaskQueue = new TaskQueue { Name = TaskQueue },
            RequestId = bad == "request-id" ? TooLong : Guid.NewGuid().ToString(),
            SignalName = bad == "no-signal-no-type" ? string.Empty : "go",
            CronSchedule = bad == "cron-no-id" ? "not a cron" : string.Empty,
            WorkflowRunTimeout = bad == "run-timeout-and-retry" ? new Duration { Seconds = -1 } : null,
            RetryPolicy = bad == "run-timeout-and-retry" ? new RetryPolicy { BackoffCoefficient = 0.5 } : null,
        };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Service.SignalWithStartWorkflowExecutionAsync(request, Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, message), (refused.Code, refused.Message));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_update_id_under_1000_chars_but_over_1000_utf8_bytes_is_invalid_argument()
    {
        var handle = await Client.StartWorkflowAsync("NoWorkerForThisType", [], Options("update-id-bytes"));
        var request = new UpdateWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowExecution = new() { WorkflowId = handle.Id },
            Request = new() { Meta = new() { UpdateId = new string('é', 600) }, Input = new() { Name = "AnyUpdate" } }, // 1200 bytes
        };

        // Admitted, the update would wait for a worker there is none of: the deadline ends that wait.
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            Service.UpdateWorkflowExecutionAsync(request, new() { Timeout = TimeSpan.FromSeconds(10), CancellationToken = Deadline }));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, "UpdateId length exceeds limit."), (refused.Code, refused.Message));
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task The_run_timeout_is_at_most_the_execution_timeout()
    {
        var options = Options("run-under-execution");
        options.ExecutionTimeout = TimeSpan.FromMinutes(10);
        options.RunTimeout = TimeSpan.FromHours(1);
        var handle = await Client.StartWorkflowAsync("NoWorkerForThisType", [], options);

        var config = (await Service.DescribeWorkflowExecutionAsync(
            new() { Namespace = Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id } }, Rpc)).ExecutionConfig;

        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10)), (config.WorkflowExecutionTimeout.ToTimeSpan(), config.WorkflowRunTimeout.ToTimeSpan()));
        await handle.TerminateAsync("done", new() { Rpc = Rpc });
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_terminate_without_a_reason_or_identity_gets_the_frontends_defaults()
    {
        var handle = await Client.StartWorkflowAsync("NoWorkerForThisType", [], Options("terminate-defaults"));

        await Service.TerminateWorkflowExecutionAsync(
            new() { Namespace = Client.Options.Namespace, WorkflowExecution = new() { WorkflowId = handle.Id } }, Rpc);

        var terminated = (await handle.FetchHistoryAsync(HistoryRpc)).Events.Last();
        Assert.Equal(EventType.WorkflowExecutionTerminated, terminated.EventType);
        Assert.Equal(("terminated by user via frontend", "frontend-service"),
            (terminated.WorkflowExecutionTerminatedEventAttributes.Reason, terminated.WorkflowExecutionTerminatedEventAttributes.Identity));
        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(rpcOptions: Rpc));
        Assert.Equal("terminated by user via frontend", Assert.IsType<TerminatedFailureException>(failure.InnerException).Message);
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData(5000)]
    [InlineData(int.MaxValue)]
    public async Task A_list_page_over_1000_lists_what_matches(int pageSize)
    {
        // Temporal caps the page at 1000; the engine's largest page once overflowed into an empty one.
        var type = $"ListCap{Guid.NewGuid():N}";
        var handles = new List<WorkflowHandle>();
        for (var i = 0; i < 2; i++)
        {
            handles.Add(await Client.StartWorkflowAsync(type, [], Options("list-cap")));
        }

        var page = await Service.ListWorkflowExecutionsAsync(
            new() { Namespace = Client.Options.Namespace, PageSize = pageSize, Query = $"WorkflowType = '{type}'" }, Rpc);

        Assert.Equal(handles.Select(h => h.Id).Order(), page.Executions.Select(e => e.Execution.WorkflowId).Order());
        foreach (var handle in handles)
        {
            await handle.TerminateAsync("done", new() { Rpc = Rpc });
        }
    }

    public static TheoryData<string, string> BadResetRequestIds => new()
    {
        { "", "RequestId is not set on request." },
        { TooLong, "RequestId length exceeds limit." },
    };

    [Theory(Timeout = TestTimeoutMs)]
    [MemberData(nameof(BadResetRequestIds))]
    public async Task A_reset_without_a_request_id_or_with_one_over_the_limit_is_invalid_argument_before_its_run_is_looked_up(string requestId, string message)
    {
        // Unlike a start's, a reset's request ID is not made up: a repeated reset is recognised by it.
        var request = new ResetWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            WorkflowExecution = new() { WorkflowId = $"validation-no-such-run-{Guid.NewGuid():N}" },
            WorkflowTaskFinishEventId = 3,
            Reason = "validation",
            RequestId = requestId,
        };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Service.ResetWorkflowExecutionAsync(request, Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, message), (refused.Code, refused.Message));
    }

    public static TheoryData<string, string> BadNamespaces => new()
    {
        { "", "Namespace not set on request." },
        { TooLong, "Namespace length exceeds limit." },
    };

    [Theory(Timeout = TestTimeoutMs)]
    [MemberData(nameof(BadNamespaces))]
    public async Task A_request_without_a_namespace_or_with_one_over_the_limit_is_invalid_argument(string ns, string message)
    {
        // Empty once meant `default` here; Temporal's namespace validator refuses it before the handler runs.
        var start = StartRequest($"validation-namespace-{Guid.NewGuid():N}");
        start.Namespace = ns;
        var calls = new Func<Task>[]
        {
            () => Service.DescribeWorkflowExecutionAsync(new() { Namespace = ns, Execution = new() { WorkflowId = start.WorkflowId } }, Rpc),
            () => Service.StartWorkflowExecutionAsync(start, Rpc),
        };

        foreach (var call in calls)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal((RpcException.StatusCode.InvalidArgument, message), (refused.Code, refused.Message));
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_unknown_namespace_is_not_found_before_the_handlers_own_checks_and_before_any_wait()
    {
        // Temporal's validator looks the namespace up before the handler: a start with no workflow ID, a list with a
        // query that does not parse and a long poll all answer NOT_FOUND at once. Here the handlers once answered their
        // own INVALID_ARGUMENTs first, and a poll waited its whole minute.
        var unknown = $"no-such-namespace-{Guid.NewGuid():N}";
        var start = StartRequest(string.Empty);
        start.Namespace = unknown;
        start.RequestId = Guid.NewGuid().ToString();
        var shortRpc = new RpcOptions { Timeout = TimeSpan.FromSeconds(10), CancellationToken = Rpc.CancellationToken };
        var calls = new Func<Task>[]
        {
            () => Service.StartWorkflowExecutionAsync(start, Rpc),
            () => Service.ListWorkflowExecutionsAsync(new() { Namespace = unknown, Query = "WorkflowType = " }, Rpc),
            () => Service.CountWorkflowExecutionsAsync(new() { Namespace = unknown }, Rpc),
            () => Service.ListSchedulesAsync(new() { Namespace = unknown }, Rpc),
            () => Service.PollWorkflowTaskQueueAsync(new() { Namespace = unknown, TaskQueue = new() { Name = TaskQueue } }, shortRpc),
            () => Service.PollActivityTaskQueueAsync(new() { Namespace = unknown, TaskQueue = new() { Name = TaskQueue } }, shortRpc),
            () => Service.DescribeTaskQueueAsync(new() { Namespace = unknown, TaskQueue = new() { Name = TaskQueue } }, Rpc),
        };

        foreach (var call in calls)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal((RpcException.StatusCode.NotFound, $"Namespace {unknown} is not found."), (refused.Code, refused.Message));
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_task_token_names_its_namespace_and_a_request_naming_another_known_one_is_refused()
    {
        // frontend.enableTokenNamespaceEnforcement (on by default): the token's namespace is the one used; a request
        // naming another that exists is INVALID_ARGUMENT, one naming none that exists is served under the token's.
        var other = $"token-other-{Guid.NewGuid():N}";
        await Service.RegisterNamespaceAsync(new() { Namespace = other, WorkflowExecutionRetentionPeriod = Duration.FromTimeSpan(TimeSpan.FromDays(1)) }, Rpc);
        var queue = $"token-namespace-{Guid.NewGuid():N}";
        var start = StartRequest($"token-namespace-{Guid.NewGuid():N}");
        start.TaskQueue.Name = queue;
        start.RequestId = Guid.NewGuid().ToString();
        await Service.StartWorkflowExecutionAsync(start, Rpc);
        var task = await new RawWorker(Client, Rpc).PollAsync(queue);

        var mismatch = await Assert.ThrowsAsync<RpcException>(() => Service.RespondWorkflowTaskFailedAsync(
            new() { Namespace = other, TaskToken = task.TaskToken, Identity = RawWorker.Identity }, Rpc));
        await Service.RespondWorkflowTaskFailedAsync(
            new() { Namespace = $"never-registered-{Guid.NewGuid():N}", TaskToken = task.TaskToken, Identity = RawWorker.Identity }, Rpc);

        Assert.Equal((RpcException.StatusCode.InvalidArgument, "Operation requested with a token from a different namespace."), (mismatch.Code, mismatch.Message));
        var history = await Service.GetWorkflowExecutionHistoryAsync(new() { Namespace = start.Namespace, Execution = new() { WorkflowId = start.WorkflowId } }, Rpc);
        Assert.Contains(history.History.Events, e => e.EventType == EventType.WorkflowTaskFailed);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task The_search_attribute_calls_without_a_namespace_are_refused_by_their_handler_after_their_own_checks()
    {
        // Temporal's validator lets these through; its handler, with SQL visibility, asks for the namespace (its own message).
        var list = await Assert.ThrowsAsync<RpcException>(() => Client.Connection.OperatorService.ListSearchAttributesAsync(new(), Rpc));
        var emptyAdd = await Assert.ThrowsAsync<RpcException>(() => Client.Connection.OperatorService.AddSearchAttributesAsync(new(), Rpc));

        Assert.Equal((RpcException.StatusCode.InvalidArgument, "Namespace is not set on request."), (list.Code, list.Message));
        Assert.Equal((RpcException.StatusCode.InvalidArgument, "SearchAttributes are not set on request."), (emptyAdd.Code, emptyAdd.Message));
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData(5000)]
    [InlineData(int.MaxValue)]
    public async Task A_schedule_list_page_over_1000_lists_what_matches(int pageSize)
    {
        // As ListWorkflowExecutions: Temporal caps the page at frontend.visibilityMaxPageSize; the largest once overflowed here.
        var prefix = $"list-cap-{Guid.NewGuid():N}";
        var ids = new[] { $"{prefix}-a", $"{prefix}-b" };
        var handles = new List<ScheduleHandle>();
        foreach (var id in ids)
        {
            var action = ScheduleActionStartWorkflow.Create("NoWorkerForThisType", [], new(NewWorkflowId("scheduled"), TaskQueue));
            handles.Add(await Client.CreateScheduleAsync(id, new(action, new ScheduleSpec { Intervals = [new(TimeSpan.FromHours(1))] }) { State = new() { Paused = true } },
                new() { Rpc = Rpc }));
        }

        var page = await Service.ListSchedulesAsync(
            new() { Namespace = Client.Options.Namespace, MaximumPageSize = pageSize, Query = $"ScheduleId STARTS_WITH '{prefix}'" }, Rpc);

        Assert.Equal(ids, page.Schedules.Select(s => s.ScheduleId).Order(StringComparer.Ordinal));
        foreach (var handle in handles)
        {
            await handle.DeleteAsync(Rpc);
        }
    }
}
