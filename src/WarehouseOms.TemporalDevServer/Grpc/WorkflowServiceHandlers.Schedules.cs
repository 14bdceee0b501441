using Temporalio.Api.WorkflowService.V1;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>Schedule RPCs: create, describe, update, patch (pause, trigger, backfill), delete, list, count, matching times.</summary>
internal sealed partial class WorkflowServiceHandlers
{
    private Engine.WorkflowEngine Engine => engine;

    public static void BindSchedules(ServiceBinder<WorkflowServiceHandlers> b)
    {
        b.Unary<CreateScheduleRequest, CreateScheduleResponse>("CreateSchedule", (s, r, c) => Task.FromResult(s.Engine.CreateSchedule(r)));
        b.Unary<DescribeScheduleRequest, DescribeScheduleResponse>("DescribeSchedule", (s, r, c) => Task.FromResult(s.Engine.DescribeSchedule(r)));
        b.Unary<UpdateScheduleRequest, UpdateScheduleResponse>("UpdateSchedule", (s, r, c) => Task.FromResult(s.Engine.UpdateSchedule(r)));
        b.Unary<PatchScheduleRequest, PatchScheduleResponse>("PatchSchedule", (s, r, c) => Task.FromResult(s.Engine.PatchSchedule(r)));
        b.Unary<DeleteScheduleRequest, DeleteScheduleResponse>("DeleteSchedule", (s, r, c) => Task.FromResult(s.Engine.DeleteSchedule(r)));
        b.Unary<ListSchedulesRequest, ListSchedulesResponse>("ListSchedules", (s, r, c) => Task.FromResult(s.Engine.ListSchedules(r)));
        b.Unary<CountSchedulesRequest, CountSchedulesResponse>("CountSchedules", (s, r, c) => Task.FromResult(s.Engine.CountSchedules(r)));
        b.Unary<ListScheduleMatchingTimesRequest, ListScheduleMatchingTimesResponse>("ListScheduleMatchingTimes",
            (s, r, c) => Task.FromResult(s.Engine.ListScheduleMatchingTimes(r)));
    }
}
