using Temporalio.Api.Enums.V1;

namespace WarehouseOms.TemporalDevServer.Engine.Schedules;

/// <summary>
/// A backfill request being worked through a few actions per wake-up, as Temporal's scheduler keeps it
/// (its <c>OngoingBackfills</c>): the spec times after <see cref="After"/> up to <see cref="End"/> are still to buffer.
/// </summary>
internal sealed record OngoingBackfill(DateTime After, DateTime End, ScheduleOverlapPolicy Overlap);
